using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// The app on a clock the tests move (retries, expiries), its outbox driven by the test (<see cref="DispatchAsync"/>) and
/// its mail sent over SMTP to <see cref="Smtp"/>, with a short SMTP timeout and few outbox attempts so that giving up is
/// reachable. Shared by the classes of the "Fake clock" collection, which run one after the other.
/// </summary>
public sealed class FakeClockFixture : AppFixture
{
    public const int OutboxAttempts = 4;

    public FakeSmtpServer Smtp { get; } = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, Clock, new Dictionary<string, string?>
    {
        ["Rosette:PublicBaseUrl"] = "https://badges.rosette.test",
        ["Rosette:Outbox:Enabled"] = "false",
        ["Rosette:Outbox:MaxAttempts"] = OutboxAttempts.ToString(CultureInfo.InvariantCulture),
        ["Rosette:Smtp:Host"] = "127.0.0.1",
        ["Rosette:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Rosette:Smtp:Security"] = "none",
        // Far longer than a loaded machine needs for an answer; the slow server's answer never comes.
        ["Rosette:Smtp:Timeout"] = "00:00:02",
        ["Rosette:Providers:DispatcherEnabled"] = "false",
    });

    /// <summary>One round of the outbox dispatcher, as its loop would run it.</summary>
    public Task<int> DispatchAsync() => Factory.Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync(CancellationToken.None);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FakeClockGroup : ICollectionFixture<FakeClockFixture>
{
    public const string Name = "Fake clock";
}
