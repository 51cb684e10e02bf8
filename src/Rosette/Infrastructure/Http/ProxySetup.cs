using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Rosette.Infrastructure.Http;

/// <summary>Running behind a TLS-terminating proxy (<c>Rosette:Proxy</c>) and HSTS (<c>Rosette:Https</c>); both off by default.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Rosette:Proxy";

    /// <summary>Read X-Forwarded-For and X-Forwarded-Proto, from <see cref="KnownProxies"/> and <see cref="KnownNetworks"/> only.</summary>
    public bool ForwardedHeaders { get; set; }

    /// <summary>Addresses of the proxies whose forwarded headers are believed (loopback when none is named).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of such proxies, in CIDR form (10.0.0.0/8).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool Hsts { get; set; }

    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

public static class ProxySetup
{
    public static IServiceCollection AddRosetteProxy(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        services.AddSingleton(options);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (options.KnownProxies.Count > 0 || options.KnownNetworks.Count > 0)
            {
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
            }
            foreach (var proxy in options.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in options.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddHsts(o =>
        {
            o.MaxAge = options.HstsMaxAge;
            // Whoever turns HSTS on means every host name the app answers to.
            o.ExcludedHosts.Clear();
        });
        return services;
    }

    /// <summary>First in the pipeline: everything after it (cookies' Secure flag, rate limits, the audit's address) sees the client's view.</summary>
    public static WebApplication UseRosetteProxy(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ProxyOptions>();
        if (options.ForwardedHeaders)
        {
            app.UseForwardedHeaders();
        }
        if (options.Hsts)
        {
            app.UseHsts();
        }
        return app;
    }
}
