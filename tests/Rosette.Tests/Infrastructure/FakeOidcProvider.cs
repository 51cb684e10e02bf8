using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// An OpenID Connect provider on a real Kestrel port, for single sign-on tests: discovery, JWKS, an authorization endpoint
/// (code flow, S256 PKCE required) and a token endpoint that checks the client's secret and the code verifier, then answers
/// with an RS256 id_token signed by <see cref="JsonWebTokenHandler"/>. Several tenants (issuers, one client each) run on one
/// port: each is an organization's provider. A test says who signs in next, and may spoil the next id_token (issuer,
/// audience, nonce, signing key) to see Rosette refuse it: what a conforming server never issues, hence not OpenIddict.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Tenant> _tenants = new();
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "fake-oidc-1" };
    private readonly RsaSecurityKey _strangerKey = new(RSA.Create(2048)) { KeyId = "fake-oidc-1" };

    private FakeOidcProvider(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Token requests answered, per tenant: a refused answer must have been redeemed, not failed before.</summary>
    public ConcurrentDictionary<string, int> TokensIssued { get; } = new();

    public sealed record Person(string Subject, string? Email, bool EmailVerified = true, string? GivenName = null, string? FamilyName = null);

    /// <summary>What to spoil in the next id_token of a tenant.</summary>
    public sealed record Spoil(string? Issuer = null, string? Audience = null, string? Nonce = null, bool StrangerKey = false);

    private sealed class Tenant(string clientId, string clientSecret)
    {
        public string ClientId { get; } = clientId;
        public string ClientSecret { get; } = clientSecret;
        public Person? Next { get; set; }
        public Spoil? Spoil { get; set; }
    }

    private sealed record Grant(string Tenant, string ClientId, string RedirectUri, string? Nonce, string Challenge, Person Person, Spoil? Spoil);

    public static async Task<FakeOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new FakeOidcProvider(app);
        provider.Map(app);
        await app.StartAsync();
        provider.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return provider;
    }

    /// <summary>A new provider tenant (its own issuer and client); returns its issuer URL.</summary>
    public string AddTenant(string name, string clientId, string clientSecret)
    {
        _tenants[name] = new Tenant(clientId, clientSecret);
        return Issuer(name);
    }

    public string Issuer(string tenant) => $"{BaseUrl}/{tenant}";

    /// <summary>The login_hint of the last authorization request: the email Rosette's log-in page was given.</summary>
    public string? LastLoginHint { get; private set; }

    /// <summary>A new tenant, and the connection of <paramref name="organizationId"/> to it made through Rosette's API by <paramref name="admin"/>.</summary>
    public async Task<(Guid Id, string Tenant)> ConnectAsync(
        HttpClient admin, Guid organizationId, string[]? domains = null, bool createUsers = false, string role = "student", bool allowPasswords = true)
    {
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        var issuer = AddTenant(tenant, $"rosette-{tenant}", $"secret-{tenant}");
        var created = await (await admin.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId, displayName = $"Provider {tenant}", issuer, clientId = $"rosette-{tenant}", clientSecret = $"secret-{tenant}",
            emailDomains = domains ?? [], createUsers, createdUserRole = role, allowPasswords,
        })).IsOkAsync<JsonElement>(HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), tenant);
    }

    /// <summary>Who the tenant signs in at its next authorization request, and what of the id_token to spoil.</summary>
    public void SignsIn(string tenant, Person person, Spoil? spoil = null)
    {
        _tenants[tenant].Next = person;
        _tenants[tenant].Spoil = spoil;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/{tenant}/.well-known/openid-configuration", (string tenant) => _tenants.ContainsKey(tenant)
            ? Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer(tenant),
                ["authorization_endpoint"] = $"{Issuer(tenant)}/authorize",
                ["token_endpoint"] = $"{Issuer(tenant)}/token",
                ["jwks_uri"] = $"{Issuer(tenant)}/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
            })
            : Results.NotFound());
        app.MapGet("/{tenant}/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/{tenant}/authorize", (string tenant, HttpRequest request) =>
        {
            var q = request.Query;
            if (!_tenants.TryGetValue(tenant, out var t) || q["client_id"] != t.ClientId || q["response_type"] != "code"
                || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) || string.IsNullOrEmpty(q["redirect_uri"]))
            {
                return Results.BadRequest("invalid_request");
            }
            if (t.Next is not { } person)
            {
                return Results.Redirect($"{q["redirect_uri"]}?error=access_denied&state={Uri.EscapeDataString(q["state"].ToString())}");
            }
            LastLoginHint = q["login_hint"];
            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = new Grant(tenant, t.ClientId, q["redirect_uri"]!, q["nonce"], q["code_challenge"]!, person, t.Spoil);
            t.Next = null;
            t.Spoil = null;
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
        });
        app.MapPost("/{tenant}/token", async (string tenant, HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (clientId, secret) = ClientOf(request, form);
            if (!_tenants.TryGetValue(tenant, out var t) || clientId != t.ClientId || secret != t.ClientSecret)
            {
                return Results.Json(new { error = "invalid_client" }, statusCode: 401);
            }
            if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant) || grant.Tenant != tenant
                || grant.RedirectUri != form["redirect_uri"]
                || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge)
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }
            TokensIssued.AddOrUpdate(tenant, 1, (_, n) => n + 1);
            return Results.Json(new { access_token = "opaque-access-token", token_type = "Bearer", expires_in = 300, id_token = IdToken(grant) });
        });
    }

    private static (string? ClientId, string? Secret) ClientOf(HttpRequest request, IFormCollection form)
    {
        if (request.Headers.Authorization.ToString() is { } header && header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        return (form["client_id"], form["client_secret"]);
    }

    private string IdToken(Grant grant)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = grant.Person.Subject, ["email_verified"] = grant.Person.EmailVerified };
        if (grant.Person.Email is { } email)
        {
            claims["email"] = email;
        }
        if (grant.Person.GivenName is { } given)
        {
            claims["given_name"] = given;
        }
        if (grant.Person.FamilyName is { } family)
        {
            claims["family_name"] = family;
        }
        if ((grant.Spoil?.Nonce ?? grant.Nonce) is { } nonce)
        {
            claims["nonce"] = nonce;
        }
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = grant.Spoil?.Issuer ?? Issuer(grant.Tenant),
            Audience = grant.Spoil?.Audience ?? grant.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = claims,
            SigningCredentials = new SigningCredentials(grant.Spoil?.StrangerKey == true ? _strangerKey : _key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
