using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Tests.Infrastructure;

namespace Rosette.BrowserTests.Infrastructure;

/// <summary>The real app on Kestrel on a free port of 127.0.0.1, on its own database of the lane's engine.</summary>
public sealed class BrowserApp : AppFixture
{
    public Uri BaseAddress { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var addresses = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First());
    }

    protected override RosetteFactory CreateFactory(TestDatabase database)
    {
        // The public base address is the one the browser uses: single sign-on sends the provider's answer there.
        var port = FreePort();
        var factory = new RosetteFactory(database, settings: new Dictionary<string, string?>(RosetteFactory.LocalOutbound) { ["Rosette:PublicBaseUrl"] = $"http://127.0.0.1:{port}" }, logs: Logs);
        factory.UseKestrel(port);
        return factory;
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
