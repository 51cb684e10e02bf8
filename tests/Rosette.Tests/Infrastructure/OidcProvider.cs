using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect provider for single sign-on tests: OpenIddict's server on a Kestrel port of its own, with its
/// discovery document, JWKS, authorization endpoint (code flow, S256 PKCE required) and token endpoint (client secret and
/// code verifier checked by OpenIddict). It runs in degraded mode (no stores): clients live in memory, and the authorization
/// endpoint is a passthrough that signs in whom the test named (<see cref="SignsIn"/>) with email and email_verified, or
/// answers access_denied when nobody is named. Each connection is a client of its own; two instances are two providers.
/// A test may also spoil the next id_token (issuer, audience, nonce, signing key), which OpenIddict then signs as told:
/// the answers a conforming provider never gives, which Rosette must refuse.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Client> _clients = new();
    private readonly RsaSecurityKey _strangerKey = new(RSA.Create(2048)) { KeyId = "stranger" };
    private WebApplication _app = null!;

    private OidcProvider()
    {
    }

    /// <summary>The issuer identifier (the provider's base address); discovery is under it.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>Id tokens issued, per client: a refused answer must have been redeemed, not failed before.</summary>
    public ConcurrentDictionary<string, int> TokensIssued { get; } = new();

    /// <summary>The login_hint of the last authorization request: the email Rosette's log-in page was given.</summary>
    public string? LastLoginHint { get; private set; }

    /// <summary>The redirect_uri of the last token request: the one the code is redeemed with.</summary>
    public string? LastTokenRedirectUri { get; private set; }

    public sealed record Person(string Subject, string? Email, bool EmailVerified = true, string? GivenName = null, string? FamilyName = null);

    /// <summary>What to spoil in the next id_token of a client.</summary>
    public sealed record Spoil(string? Issuer = null, string? Audience = null, string? Nonce = null, bool StrangerKey = false, bool NoSignature = false);

    private sealed class Client(string secret, string redirectPath)
    {
        public string Secret { get; } = secret;
        public string RedirectPath { get; set; } = redirectPath;
        public Person? Next { get; set; }
        public Spoil? Spoil { get; set; }
    }

    public static async Task<OidcProvider> StartAsync()
    {
        var provider = new OidcProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
            // Keys made here, not by AddEphemeral...Key: it makes them when the first request reads the options, and on a loaded
            // machine that request then outlasts Rosette's timeout for the discovery document.
            options.AddSigningKey(new RsaSecurityKey(RSA.Create(2048))).AddEncryptionKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)));
            options.EnableDegradedMode();
            options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            options.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(provider.ValidateAuthorization));
            options.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(provider.ValidateToken));
            options.AddEventHandler<GenerateTokenContext>(handler => handler.UseInlineHandler(provider.IssuingToken)
                .SetOrder(OpenIddictServerHandlers.Protection.GenerateIdentityModelToken.Descriptor.Order - 1));
        });
        var app = builder.Build();
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], provider.Authorize);
        await app.StartAsync();
        provider._app = app;
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        // Warmed up (OpenIddict checks and prepares its options at the first request), so that Rosette's first is answered at once.
        using var http = new HttpClient();
        (await http.GetAsync(provider.Issuer + ".well-known/openid-configuration")).EnsureSuccessStatusCode();
        return provider;
    }

    /// <summary>A client of this provider, and the connection of <paramref name="organizationId"/> to it made through Rosette's API by <paramref name="admin"/>.</summary>
    public async Task<(Guid Id, string Client)> ConnectAsync(
        HttpClient admin, Guid organizationId, string[]? domains = null, bool createUsers = false, string role = "student", bool allowPasswords = true)
    {
        var client = AddClient();
        var created = await (await admin.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId, displayName = $"Provider {client}", issuer = Issuer, clientId = client, clientSecret = SecretOf(client),
            emailDomains = domains ?? [], createUsers, createdUserRole = role, allowPasswords,
        })).IsOkAsync<JsonElement>(HttpStatusCode.Created);
        _clients[client].RedirectPath = created.GetProperty("redirectPath").GetString()!;
        return (created.GetProperty("id").GetGuid(), client);
    }

    /// <summary>A new client (its secret is <see cref="SecretOf"/>), whose redirect URI is Rosette's callback of <paramref name="connectionId"/>.</summary>
    public string AddClient(Guid? connectionId = null)
    {
        var client = "rosette-" + Guid.NewGuid().ToString("N")[..10];
        _clients[client] = new Client(SecretOf(client), connectionId is { } id ? $"/sso/{id}/callback" : "");
        return client;
    }

    public static string SecretOf(string client) => $"secret-of-{client}";

    /// <summary>Who the provider signs in at the client's next authorization request, and what of the id_token to spoil.</summary>
    public void SignsIn(string client, Person person, Spoil? spoil = null)
    {
        _clients[client].Next = person;
        _clients[client].Spoil = spoil;
    }

    /// <summary>The person declines (or the provider refuses them): the next authorization request answers access_denied.</summary>
    public void Denies(string client) => _clients[client].Next = null;

    private ValueTask ValidateAuthorization(ValidateAuthorizationRequestContext context)
    {
        if (context.ClientId is null || !_clients.TryGetValue(context.ClientId, out var client))
        {
            context.Reject(Errors.InvalidClient, "Unknown client.");
        }
        else if (!Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var redirect) || redirect.AbsolutePath != client.RedirectPath)
        {
            context.Reject(Errors.InvalidRequest, "The redirect_uri is not registered for this client.");
        }
        return default;
    }

    private ValueTask ValidateToken(ValidateTokenRequestContext context)
    {
        if (context.Request.ClientId is not { } id || !_clients.TryGetValue(id, out var client) || context.Request.ClientSecret != client.Secret)
        {
            context.Reject(Errors.InvalidClient, "The client is unknown or its secret is wrong.");
        }
        LastTokenRedirectUri = context.Request.RedirectUri;
        return default;
    }

    private IResult Authorize(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var client = _clients[request.ClientId!];
        LastLoginHint = request.LoginHint;
        if (client.Next is not { } person)
        {
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The person did not sign in.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        client.Next = null;
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, person.Subject).SetClaim(Claims.Email, person.Email).SetClaim(Claims.EmailVerified, person.EmailVerified)
            .SetClaim(Claims.GivenName, person.GivenName).SetClaim(Claims.FamilyName, person.FamilyName);
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Counts id tokens, and spoils one when the test asked for it, after OpenIddict has described it and before it is signed.</summary>
    private ValueTask IssuingToken(GenerateTokenContext context)
    {
        if (context.TokenType != TokenTypeIdentifiers.IdentityToken || context.ClientId is null || !_clients.TryGetValue(context.ClientId, out var client))
        {
            return default;
        }
        TokensIssued.AddOrUpdate(context.ClientId, 1, (_, n) => n + 1);
        if (client.Spoil is not { } spoil)
        {
            return default;
        }
        client.Spoil = null;
        var descriptor = context.SecurityTokenDescriptor;
        descriptor.Claims ??= new Dictionary<string, object>();
        if (spoil.Issuer is { } issuer)
        {
            descriptor.Issuer = issuer;
            descriptor.Claims[Claims.Issuer] = issuer;
        }
        if (spoil.Audience is { } audience)
        {
            descriptor.Audience = audience;
            descriptor.Claims[Claims.Audience] = audience;
        }
        if (spoil.Nonce is { } nonce)
        {
            descriptor.Claims[Claims.Nonce] = nonce;
        }
        if (spoil.StrangerKey)
        {
            descriptor.SigningCredentials = new SigningCredentials(_strangerKey, SecurityAlgorithms.RsaSha256);
        }
        if (spoil.NoSignature)
        {
            // "alg": "none" and an empty signature.
            descriptor.SigningCredentials = null;
        }
        return default;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
