using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>
/// One host for the boundary tests: the real sign-in limits set low, a TLS proxy at <see cref="Proxy"/> whose forwarded
/// headers are believed, HSTS on, the production outbound policy (no private networks) with a few private hosts on the
/// providers' allow-list, and a fake Credly that must never be reached. Requests name their TCP peer in X-Test-Peer: the
/// only stand-in for the network in front of the app.
/// </summary>
public sealed class SecurityFixture : AppFixture
{
    public const string Proxy = "10.0.0.1";

    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Rosette:SignIn:PermitsPerAddress"] = "6",
        ["Rosette:SignIn:AddressWindow"] = "00:30:00",
        ["Rosette:SignIn:FailuresPerAccount"] = "3",
        ["Rosette:SignIn:FailureWindow"] = "00:30:00",
        ["Rosette:SignIn:AccountLockoutFailures"] = "4",
        ["Rosette:Proxy:ForwardedHeaders"] = "true",
        ["Rosette:Proxy:KnownProxies:0"] = Proxy,
        ["Rosette:Proxy:Hsts"] = "true",
        ["Rosette:Providers:AllowedHosts:0"] = "localhost",
        ["Rosette:Providers:AllowedHosts:1"] = "169.254.169.254",
        ["Rosette:Providers:AllowedHosts:2"] = "10.1.2.3",
        ["Rosette:Providers:PollInterval"] = "00:00:00.050",
    };

    public FakeCredly Credly { get; } = new();

    public CountingHasher Hasher { get; } = new();

    protected override RosetteFactory CreateFactory(TestDatabase database) => new LimitedFactory(database, this);

    /// <summary>A client whose requests come from <paramref name="client"/> through the known proxy (or straight from <paramref name="peer"/>).</summary>
    public HttpClient From(string client, string peer = Proxy, string? scheme = null)
    {
        var http = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Add("X-Test-Peer", peer);
        http.DefaultRequestHeaders.Add("X-Forwarded-For", client);
        if (scheme is not null)
        {
            http.DefaultRequestHeaders.Add("X-Forwarded-Proto", scheme);
        }
        return http;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Credly.Dispose();
    }

    private sealed class LimitedFactory(TestDatabase database, SecurityFixture fixture) : RosetteFactory(database, settings: Settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services =>
            {
                services.AddTransient<IStartupFilter, PeerFilter>();
                services.RemoveAll<IPasswordHasher<User>>();
                services.AddSingleton<IPasswordHasher<User>>(fixture.Hasher);
            });
        }
    }

    /// <summary>Sets the connection's remote address from X-Test-Peer, before the app's own pipeline.</summary>
    private sealed class PeerFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue("X-Test-Peer", out var peer))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Identity's real hasher, counting the hashes it verifies: a sign-in that skipped the work would show.</summary>
public sealed class CountingHasher : IPasswordHasher<User>
{
    private readonly PasswordHasher<User> _inner = new();
    private int _verified;

    public int Verified => Volatile.Read(ref _verified);

    public string HashPassword(User user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
    {
        Interlocked.Increment(ref _verified);
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
