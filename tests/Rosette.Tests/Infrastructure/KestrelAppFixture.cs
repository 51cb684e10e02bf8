namespace Rosette.Tests.Infrastructure;

/// <summary>
/// The app on Kestrel on a free port of 127.0.0.1, for what only the real server does (its request body limit, the
/// connection). Clients must be made for <see cref="BaseAddress"/>.
/// </summary>
public sealed class KestrelAppFixture : AppFixture
{
    public Uri BaseAddress => Factory.ClientOptions.BaseAddress;

    protected override RosetteFactory CreateFactory(TestDatabase database)
    {
        var factory = new RosetteFactory(database, logs: Logs);
        factory.UseKestrel(0);
        return factory;
    }
}
