using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.ApiKeys;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Infrastructure.Auth;

/// <summary>Settings of API keys (<c>Rosette:ApiKeys</c>).</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Rosette:ApiKeys";

    /// <summary>Requests per key and <see cref="Window"/>, on every instance alike; then 429.</summary>
    public int PermitsPerWindow { get; set; } = 600;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>"Last used" is written at most once per key in this time, not on every request.</summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// <c>Authorization: Bearer rk_...</c> on the API: the key is found by the SHA-256 of its secret, checked (revoked, expired,
/// creator's authority: <see cref="ApiKey.WhyNotUsable"/>) and becomes an <see cref="Actor"/> that is no person: an
/// administrator's authority over the key's subtree, with the key's permissions, which <see cref="ApiKeyGate"/> holds
/// against the endpoint's declaration. A refused key answers 401 problem+json with the reason.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, RosetteDb db, TimeProvider clock, ApiKeyOptions settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    private static readonly Func<RosetteDb, string, CancellationToken, Task<KeyRow?>> LoadKey =
        EF.CompileAsyncQuery((RosetteDb db, string hash, CancellationToken _) =>
            (from k in db.ApiKeys
             where k.SecretHash == hash
             join o in db.Organizations on k.OrganizationId equals o.Id
             join u in db.Users on k.CreatedById equals u.Id
             join uo in db.Organizations on u.OrganizationId equals uo.Id
             select new KeyRow(k, o.Path, u.IsActive, u.Role, u.IsSystemAdministrator, uo.Path)).AsNoTracking().SingleOrDefault());

    private Error? _refusal;

    /// <summary>Whether the request carries an API key (rather than a sign-in token) in its Authorization header.</summary>
    public static bool Carries(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && ApiKey.LooksLikeSecret(header["Bearer ".Length..].Trim());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Carries(Request))
        {
            return AuthenticateResult.NoResult();
        }
        var secret = Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var row = await LoadKey(db, ApiKey.Hash(secret), Context.RequestAborted);
        var now = clock.UtcNowSeconds();
        var creator = row is { CreatorActive: true } ? new Authority(row.CreatorRole, row.CreatorPath, row.CreatorIsSystemAdministrator) : null;
        _refusal = row is null ? ApiKeyErrors.Unknown : row.Key.WhyNotUsable(now, row.Path, creator);
        if (_refusal is not null)
        {
            Logger.LogInformation("API key {Key} refused: {Code}", row?.Key.Id.ToString() ?? "(unknown)", _refusal.Code);
            return AuthenticateResult.Fail(_refusal.Message);
        }
        var key = row!.Key;
        if (key.LastUsedAt is not { } last || last <= now - settings.LastUsedResolution)
        {
            // Conditional, so that instances racing on one key write it once.
            var stale = now - settings.LastUsedResolution;
            await db.ApiKeys.Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt <= stale))
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }
        Context.Items[typeof(Actor)] = new Actor(Guid.Empty, UserRole.Administrator, key.OrganizationId, row.Path, IsSystemAdministrator: false)
        {
            ApiKeyId = key.Id,
            KeyPermissions = key.Permissions,
        };
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, key.Id.ToString()), new Claim(ClaimTypes.Name, key.Name)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 9110 section 11.6.1: a 401 carries a challenge; RFC 6750 section 3.1 names a refused token invalid_token.
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        var problem = (_refusal ?? ApiKeyErrors.Unknown).ToProblemDetails();
        problem.Status = StatusCodes.Status401Unauthorized;
        return TypedResults.Problem(problem).ExecuteAsync(Context);
    }

    private sealed record KeyRow(ApiKey Key, string Path, bool CreatorActive, UserRole CreatorRole, bool CreatorIsSystemAdministrator, string CreatorPath);
}

/// <summary>Declares which API key permission an endpoint needs (any of <see cref="Permissions"/>); endpoints without it refuse keys.</summary>
public sealed record ApiKeyAccess(ApiKeyPermissions Permissions);

public static class ApiKeyAccessExtensions
{
    /// <summary>Opens the endpoint (or group) to API keys holding any of <paramref name="permissions"/>. Nothing else is open to keys.</summary>
    public static TBuilder AllowApiKeys<TBuilder>(this TBuilder builder, ApiKeyPermissions permissions) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiKeyAccess(permissions));
}

/// <summary>Requests per API key (<see cref="ApiKeyOptions.PermitsPerWindow"/>), counted in memory by each instance.</summary>
public sealed class ApiKeyLimits(ApiKeyOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _perKey = PartitionedRateLimiter.Create<Guid, Guid>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.PermitsPerWindow), Window = options.Window, QueueLimit = 0,
        }));

    /// <summary>Null when the key may make one more request now.</summary>
    public RateLimitedError? Check(Guid keyId)
    {
        using var lease = _perKey.AttemptAcquire(keyId);
        return lease.IsAcquired ? null : RateLimitedError.After(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.Window);
    }

    public void Dispose() => _perKey.Dispose();
}

/// <summary>
/// Where an API key meets the endpoint it calls: refused (403 <c>api_key_not_permitted</c>, audited once per key and endpoint
/// per window) unless the endpoint declares a permission the key holds; then counted against the key's rate limit (429).
/// Runs after <see cref="ActorMiddleware"/>, before any handler, so that no endpoint can forget to check.
/// </summary>
public sealed class ApiKeyGate(RequestDelegate next, ILogger<ApiKeyGate> logger)
{
    public async Task InvokeAsync(HttpContext context, ApiKeyLimits limits, AuditThrottle throttle)
    {
        if (context.FindActor() is not { ApiKeyId: { } keyId } actor)
        {
            await next(context);
            return;
        }
        var endpoint = context.GetEndpoint();
        var needed = endpoint?.Metadata.GetMetadata<ApiKeyAccess>()?.Permissions ?? ApiKeyPermissions.None;
        if ((actor.KeyPermissions & needed) == 0)
        {
            var route = $"{context.Request.Method} {(endpoint as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path}";
            logger.LogWarning("API key {Key} refused on {Route}", keyId, route);
            if (throttle.Allows($"api-key:{keyId}:{route}"))
            {
                context.RequestServices.GetRequiredService<AuditLog>().Record(actor, AuditKind.ApiKeyRefused, actor.OrganizationId, keyId,
                    $"API key refused on {route}: not among its permissions", new { route });
                await context.RequestServices.GetRequiredService<RosetteDb>().SaveChangesAsync(context.RequestAborted);
            }
            await ApiKeyErrors.NotPermitted(needed).ToProblem().ExecuteAsync(context);
            return;
        }
        if (limits.Check(keyId) is { } limited)
        {
            limited.WithRetryAfter(context.Response);
            await limited.ToProblem().ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
