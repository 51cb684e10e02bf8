using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Rosette.Data;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.SingleSignOn;

/// <summary>Settings of single sign-on, from <c>Rosette:Outbound</c>: plain http issuers only where private networks are allowed (tests, development).</summary>
public sealed record SingleSignOnOptions(bool AllowPlainHttp);

/// <summary>The addresses of a connection's sign-in flow; the callback is what the provider must have registered as redirect URI.</summary>
public static class SingleSignOnPaths
{
    /// <summary>The page that offers "Sign in with {organization}": a link an organization can hand its people.</summary>
    public static string Landing(Guid connectionId) => $"/sso/{connectionId}";

    /// <summary>The landing page asked to move on to the provider by itself, for <paramref name="loginHint"/> (the log-in form's answer).</summary>
    public static string Landing(Guid connectionId, string returnUrl, string loginHint) =>
        $"/sso/{connectionId}?returnUrl={Uri.EscapeDataString(returnUrl)}&loginHint={Uri.EscapeDataString(loginHint)}";

    /// <summary>Sends the browser to the provider (the request that starts the flow).</summary>
    public static string Begin(Guid connectionId, string returnUrl, string? loginHint = null) =>
        $"/sso/{connectionId}/start?returnUrl={Uri.EscapeDataString(returnUrl)}" + (loginHint is null ? "" : $"&loginHint={Uri.EscapeDataString(loginHint)}");

    public static string Callback(Guid connectionId) => $"/sso/{connectionId}/callback";

    /// <summary>
    /// The redirect URI of a connection: its callback on <c>Rosette:PublicBaseUrl</c>, never on the request's Host header. The
    /// connection page shows it to be registered, and the authorization request and the code's redemption send it.
    /// </summary>
    public static string RedirectUri(CredentialUrls urls, Guid connectionId) => urls.Absolute(Callback(connectionId));

    public static string Failed(Guid connectionId, string code) => $"/sso/{connectionId}/failed?code={Uri.EscapeDataString(code)}";

    /// <summary>The connection a request under /sso/{id}/ is for, before authentication runs.</summary>
    public static Guid? ConnectionOf(PathString path) =>
        path.StartsWithSegments("/sso", out var rest) && rest.Value is { Length: > 1 } value
            && Guid.TryParse(value.AsSpan(1, Math.Min(36, value.Length - 1)), out var id) ? id : null;
}

/// <summary>What a request of a connection's flow knows about it: read from the database on every such request.</summary>
public sealed record ConnectionContext(
    Guid Id, Guid OrganizationId, string OrganizationPath, string OrganizationName, string DisplayName, string Issuer, string ClientId,
    string ProtectedClientSecret, int Version);

/// <summary>
/// Reads the connection of a request under <c>/sso/{id}/</c> before authentication runs, so that the one OpenID Connect
/// scheme works with that connection's current settings (<see cref="ConnectionOidcOptions"/>): a change saved on any
/// instance applies to the next request everywhere, with no restart.
/// </summary>
public sealed class ConnectionLoader(RequestDelegate next)
{
    private static readonly Func<RosetteDb, Guid, CancellationToken, Task<ConnectionContext?>> Load =
        EF.CompileAsyncQuery((RosetteDb db, Guid id, CancellationToken _) =>
            (from c in db.SignInConnections
             where c.Id == id
             join o in db.Organizations on c.OrganizationId equals o.Id
             select new ConnectionContext(c.Id, c.OrganizationId, o.Path, o.Name, c.DisplayName, c.Issuer, c.ClientId, c.ProtectedClientSecret, c.Version))
            .SingleOrDefault());

    public async Task InvokeAsync(HttpContext context, RosetteDb db)
    {
        if (SingleSignOnPaths.ConnectionOf(context.Request.Path) is { } id && await Load(db, id, context.RequestAborted) is { } connection)
        {
            context.Items[typeof(ConnectionContext)] = connection;
        }
        await next(context);
    }
}

/// <summary>
/// The options of the one OpenID Connect scheme, per request: those of the request's connection (built once per connection
/// and version, with their own discovery cache), or dormant ones that answer no path when the request is not a connection's.
/// Every call to the provider (discovery, keys, token) goes through the outbound policy: public addresses only, no redirects.
/// </summary>
public sealed class ConnectionOidcOptions : IOptionsMonitor<OpenIdConnectOptions>, IDisposable
{
    public const string Scheme = "sso";

    private readonly ConcurrentDictionary<Guid, (int Version, OpenIdConnectOptions Options)> _built = new();
    private readonly IHttpContextAccessor _http;
    private readonly IDataProtectionProvider _dataProtection;
    private readonly ClientSecrets _secrets;
    private readonly SingleSignOnOptions _options;
    private readonly HttpClient _backchannel;
    private readonly OpenIdConnectOptions _dormant;

    public ConnectionOidcOptions(
        IHttpContextAccessor http, IDataProtectionProvider dataProtection, ClientSecrets secrets, SingleSignOnOptions options, OutboundOptions outbound)
    {
        _http = http;
        _dataProtection = dataProtection;
        _secrets = secrets;
        _options = options;
        _backchannel = new HttpClient(Outbound.CreateHandler(outbound)) { Timeout = TimeSpan.FromSeconds(15), MaxResponseContentBufferSize = 1024 * 1024 };
        _backchannel.DefaultRequestHeaders.UserAgent.ParseAdd("Rosette");
        _dormant = new OpenIdConnectOptions
        {
            CallbackPath = "/sso/-/callback", SignedOutCallbackPath = PathString.Empty, RemoteSignOutPath = PathString.Empty,
            TimeProvider = TimeProvider.System, Events = new OpenIdConnectEvents(),
        };
    }

    public OpenIdConnectOptions CurrentValue => _dormant;

    public OpenIdConnectOptions Get(string? name) =>
        _http.HttpContext?.Items[typeof(ConnectionContext)] is ConnectionContext connection ? For(connection) : _dormant;

    public IDisposable? OnChange(Action<OpenIdConnectOptions, string?> listener) => null;

    private OpenIdConnectOptions For(ConnectionContext connection)
    {
        // Built again when the connection's version moves: a saved change applies at the next request.
        if (_built.TryGetValue(connection.Id, out var cached) && cached.Version == connection.Version)
        {
            return cached.Options;
        }
        var built = Build(connection);
        _built[connection.Id] = (connection.Version, built);
        return built;
    }

    private OpenIdConnectOptions Build(ConnectionContext connection)
    {
        var options = new OpenIdConnectOptions
        {
            Authority = connection.Issuer.TrimEnd('/'),
            MetadataAddress = connection.Issuer.TrimEnd('/') + "/.well-known/openid-configuration",
            ClientId = connection.ClientId,
            ClientSecret = _secrets.Unprotect(connection.ProtectedClientSecret),
            ResponseType = OpenIdConnectResponseType.Code,
            // The code comes back on a top-level GET: SameSite=Lax cookies (correlation, nonce) travel with it.
            ResponseMode = OpenIdConnectResponseMode.Query,
            UsePkce = true,
            CallbackPath = SingleSignOnPaths.Callback(connection.Id),
            // Rosette offers providers no front-channel logout and never signs out at the provider: no sign-out paths.
            SignedOutCallbackPath = PathString.Empty,
            RemoteSignOutPath = PathString.Empty,
            SignInScheme = IdentityConstants.ApplicationScheme,
            MapInboundClaims = false,
            GetClaimsFromUserInfoEndpoint = false,
            SaveTokens = false,
            RequireHttpsMetadata = !_options.AllowPlainHttp,
            Backchannel = _backchannel,
            TimeProvider = TimeProvider.System,
            Events = SingleSignOnEvents.Instance,
            DisableTelemetry = true,
        };
        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("email");
        options.Scope.Add("profile");
        foreach (var cookie in new[] { options.CorrelationCookie, options.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }
        options.TokenValidationParameters.NameClaimType = "name";
        new OpenIdConnectPostConfigureOptions(_dataProtection).PostConfigure(Scheme, options);
        options.Validate(Scheme);
        return options;
    }

    public void Dispose() => _backchannel.Dispose();
}

/// <summary>
/// The OpenID Connect handler of ASP.NET Core, given each request's connection options by <see cref="ConnectionOidcOptions"/>.
/// It answers one path by itself: the callback of a connection that exists. Anything else (the dormant options' paths, a
/// remote sign-out or signed-out callback) goes on to routing, which answers 404 like an unknown connection.
/// </summary>
public sealed class ConnectionOidcHandler(ConnectionOidcOptions options, ILoggerFactory logger, HtmlEncoder htmlEncoder, UrlEncoder encoder)
    : OpenIdConnectHandler(options, logger, htmlEncoder, encoder)
{
    public override Task<bool> HandleRequestAsync() =>
        Context.Items[typeof(ConnectionContext)] is ConnectionContext && Options.CallbackPath == Request.Path ? base.HandleRequestAsync() : Task.FromResult(false);
}

public static class SingleSignOnRegistration
{
    public static IServiceCollection AddSingleSignOn(this IServiceCollection services, IConfiguration configuration)
    {
        var outbound = configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>() ?? new OutboundOptions();
        services.AddSingleton(new SingleSignOnOptions(AllowPlainHttp: outbound.AllowPrivateNetworks));
        services.AddSingleton<ClientSecrets>();
        services.AddSingleton(sp => new ConnectionOidcOptions(sp.GetRequiredService<IHttpContextAccessor>(), sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetRequiredService<ClientSecrets>(), sp.GetRequiredService<SingleSignOnOptions>(), outbound));
        services.AddAuthentication().AddScheme<OpenIdConnectOptions, ConnectionOidcHandler>(ConnectionOidcOptions.Scheme, "Single sign-on", null);
        return services;
    }
}
