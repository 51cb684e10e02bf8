using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Tests.Infrastructure;

namespace Rosette.BrowserTests.Infrastructure;

/// <summary>The real app on Kestrel on a free port of 127.0.0.1, on its own database of the lane's engine.</summary>
public sealed class BrowserApp : AppFixture
{
    /// <summary>A path that throws inside the app's pipeline, to show what a bug looks like in a browser.</summary>
    public const string FailingPath = "/test-only/fail";

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
        var factory = new FailingPathFactory(database, $"http://127.0.0.1:{port}");
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

    private sealed class FailingPathFactory(TestDatabase database, string publicBaseUrl)
        : RosetteFactory(database, settings: new Dictionary<string, string?>(LocalOutbound) { ["Rosette:PublicBaseUrl"] = publicBaseUrl })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddTransient<IStartupFilter, FailingPathFilter>());
        }
    }

    /// <summary>Runs after the app's endpoints, so inside its exception handling, only for <see cref="FailingPath"/>.</summary>
    private sealed class FailingPathFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((context, nextMiddleware) => context.Request.Path == FailingPath
                ? throw new InvalidOperationException("A deliberate failure: secret-detail-42")
                : nextMiddleware(context));
        };
    }
}
