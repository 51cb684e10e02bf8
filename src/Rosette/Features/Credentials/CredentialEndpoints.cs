using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Credentials;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Credentials;

/// <summary>
/// The public, sign-in-free documents of every award (see README.md beside this file). <c>GET /credentials/{awardId}</c>
/// itself is left to the HTML credential page.
/// </summary>
public static class CredentialEndpoints
{
    internal const string JsonType = "application/json; charset=utf-8";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// One document, one URL: routing matches a route's literals in any case and forgives a trailing slash, but a public URL
    /// (<see cref="CredentialUrls"/>) spells them as the route does, without one. (Ids are checked by their handlers:
    /// <see cref="CredentialUrls.TryParseId"/>.)
    /// </summary>
    public static bool IsCanonical(HttpContext http) =>
        http.Request.Path.Value is { } path && !(path.Length > 1 && path[^1] == '/')
        && (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.PathSegments.SelectMany(s => s.Parts).OfType<RoutePatternLiteralPart>()
            .All(literal => path.Contains(literal.Content, StringComparison.Ordinal)) != false;

    public static IEndpointRouteBuilder MapCredentials(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<CredentialUrls>() is { IsHttps: false } urls)
        {
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CredentialEndpoints)).LogWarning(
                "Rosette:PublicBaseUrl is {BaseUrl}: credentials name keys by http URLs, which OB 3.0 verifiers reject. Set an https base in production.",
                urls.Base);
        }
        var credentials = app.MapGroup("").ExcludeFromDescription().AsPublicDocument().AddEndpointFilter(async (context, next) =>
        {
            if (!IsCanonical(context.HttpContext))
            {
                return CredentialErrors.NotCanonical.ToProblem();
            }
            context.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
            return await next(context);
        });

        credentials.MapGet("/credentials/{awardId}.jwt", async (string awardId, HttpContext http, CredentialCache cache, CancellationToken ct) =>
        {
            var served = await ServedAsync(awardId, http, cache, ct);
            if (!served.IsSuccess)
            {
                return served.Error.ToProblem();
            }
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(served.Value.JwsUtf8, "text/plain; charset=utf-8");
        });

        credentials.MapGet("/credentials/{awardId}.json", async (string awardId, HttpContext http, CredentialCache cache, CancellationToken ct) =>
        {
            var served = await ServedAsync(awardId, http, cache, ct);
            if (!served.IsSuccess)
            {
                return served.Error.ToProblem();
            }
            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(served.Value.JsonUtf8, JsonType);
        });

        credentials.MapGet("/credentials/{awardId}.png", (string awardId, HttpContext http, CredentialCache cache, RosetteDb db, CancellationToken ct) =>
            BakedAsync(awardId, http, cache, db, "image/png", (image, jws) => Baking.BakePng(image, BakedCredential.Ob3Keyword, jws), ct));

        credentials.MapGet("/credentials/{awardId}.svg", (string awardId, HttpContext http, CredentialCache cache, RosetteDb db, CancellationToken ct) =>
            BakedAsync(awardId, http, cache, db, "image/svg+xml", (image, jws) => Baking.BakeSvg(image, jws), ct));

        credentials.MapGet("/.well-known/jwks.json", async (SigningKeysHandler keys, CancellationToken ct) =>
        {
            var published = await keys.PublishedAsync(ct);
            return Results.Text(JsonSerializer.Serialize(new { keys = published }, Web), "application/jwk-set+json; charset=utf-8");
        });

        credentials.MapGet("/ob3/keys/{keyId}", async (string keyId, SigningKeysHandler keys, CancellationToken ct) =>
            CredentialUrls.TryParseId(keyId, out var id) && await keys.FindAsync(id, ct) is { } jwk
                ? Results.Text(JsonSerializer.Serialize(jwk, Web), "application/jwk+json; charset=utf-8")
                : CredentialErrors.KeyNotFound.ToProblem());

        credentials.MapGet("/ob3/issuers/{organizationId}", async (string organizationId, RosetteDb db, OpenBadgesDocuments documents, CancellationToken ct) =>
            await IssuerAsync(organizationId, db, ct) is { } issuer ? Json(documents.Profile(issuer, withContext: true)) : CredentialErrors.IssuerNotFound.ToProblem());

        credentials.MapGet("/ob3/issuers/{organizationId}/revocations", async (string organizationId, HttpContext http, RosetteDb db, OpenBadgesDocuments documents, CancellationToken ct) =>
        {
            if (await IssuerAsync(organizationId, db, ct) is not { } issuer)
            {
                return CredentialErrors.IssuerNotFound.ToProblem();
            }
            // Only the credentials that name this list: signed before the status lists (no status entry) and stored as such.
            // Any other revoked award is not listed: its credential's status is its bit, and its id is not the public's to list.
            var revoked = await (
                from s in db.SignedCredentials
                join a in db.Awards on s.AwardId equals a.Id
                join b in db.Badges on a.BadgeId equals b.Id
                where b.OrganizationId == issuer.Id && a.RevokedAt != null && !db.CredentialStatuses.Any(x => x.CredentialId == s.CredentialId)
                orderby a.RevokedAt, s.CredentialId
                select new { Id = s.CredentialId, a.RevocationReason }).AsNoTracking().ToListAsync(ct);
            http.Response.Headers.CacheControl = "public, max-age=60";
            return Json(documents.RevocationList(issuer.Id, revoked.Select(r => (r.Id, (string?)r.RevocationReason))));
        });

        credentials.MapGet("/ob3/issuers/{organizationId}/status/{number}", async (
            string organizationId, string number, HttpContext http, StatusListsHandler lists, StatusListSettings settings, CancellationToken ct) =>
        {
            if (!CredentialUrls.TryParseId(organizationId, out var issuerId) || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                || n < 1 || number != n.ToString(CultureInfo.InvariantCulture))
            {
                return CredentialErrors.StatusListNotFound.ToProblem();
            }
            http.Response.Headers.Vary = HeaderNames.Accept;
            if (await lists.GetAsync(issuerId, n, ct) is not { } served)
            {
                return CredentialErrors.StatusListNotFound.ToProblem();
            }
            // Verifiers may cache it briefly (the list's ttl says the same); its validUntil bounds how long any copy counts.
            http.Response.Headers.CacheControl = $"public, max-age={(int)settings.CacheFor.TotalSeconds}";
            return Results.Text(served.Jws, StatusListMediaType(http.Request), Encoding.UTF8);
        });

        credentials.MapGet("/ob3/achievements/{badgeId}", async (string badgeId, RosetteDb db, OpenBadgesDocuments documents, CancellationToken ct) =>
            await BadgeAsync(badgeId, db, ct) is { } badge ? Json(documents.Achievement(badge, withContext: true)) : CredentialErrors.AchievementNotFound.ToProblem());

        credentials.MapOb2();

        return app;
    }

    /// <summary>The signed credential; from memory when this instance has served it before, without touching the database.</summary>
    private static async Task<Result<ServedCredential>> ServedAsync(string awardId, HttpContext http, CredentialCache cache, CancellationToken ct)
    {
        if (!CredentialUrls.TryParseId(awardId, out var id))
        {
            return CredentialErrors.NotFound(awardId);
        }
        return cache.TryGet(id) is { } cached ? cached : await http.RequestServices.GetRequiredService<CredentialsHandler>().GetAsync(id, ct);
    }

    private static async Task<IResult> BakedAsync(
        string awardId, HttpContext http, CredentialCache cache, RosetteDb db, string contentType, Func<byte[], string, byte[]> bake, CancellationToken ct)
    {
        var served = await ServedAsync(awardId, http, cache, ct);
        if (!served.IsSuccess)
        {
            return served.Error.ToProblem();
        }
        var image = await ImageAsync(db, served.Value.AwardId, ct);
        if (image?.ContentType != contentType)
        {
            return CredentialErrors.ImageNotFound.ToProblem();
        }
        http.Response.Headers.CacheControl = "public, max-age=3600";
        if (contentType == "image/svg+xml")
        {
            http.Response.Headers[HeaderNames.ContentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        }
        return Results.Bytes(bake(image.Data, served.Value.Jws), contentType);
    }

    internal sealed record AwardImage(string ContentType, byte[] Data);

    internal static Task<AwardImage?> ImageAsync(RosetteDb db, Guid awardId, CancellationToken ct) =>
        (from a in db.Awards
         where a.Id == awardId
         join i in db.BadgeImages on a.BadgeId equals i.BadgeId
         select new AwardImage(i.ContentType, i.Data)).AsNoTracking().FirstOrDefaultAsync(ct);

    internal static async Task<IssuerFacts?> IssuerAsync(string organizationId, RosetteDb db, CancellationToken ct) =>
        CredentialUrls.TryParseId(organizationId, out var id)
            ? await db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => new IssuerFacts(o.Id, o.Name)).FirstOrDefaultAsync(ct)
            : null;

    internal static async Task<BadgeFacts?> BadgeAsync(string badgeId, RosetteDb db, CancellationToken ct) =>
        CredentialUrls.TryParseId(badgeId, out var id)
            ? await db.Badges.AsNoTracking().Where(b => b.Id == id)
                .Select(b => new BadgeFacts(b.Id, b.Name, b.Description, b.Criteria, b.ImageContentType, b.ImageVersion, b.OrganizationId))
                .FirstOrDefaultAsync(ct)
            : null;

    /// <summary>A status list's representations, the default first.</summary>
    private static readonly string[] StatusListMediaTypes = ["application/vc+jwt", "text/plain"];

    /// <summary>
    /// The list is a VC-JWT: <c>application/vc+jwt</c> (VC-JOSE-COSE), or <c>text/plain</c> when the client prefers it, as some
    /// verifiers do (the same compact JWS either way). The Accept header's q-values decide (q=0: not acceptable); a tie or no
    /// header serves <c>application/vc+jwt</c>, and so does a header that allows neither (<c>application/json</c> alone: a
    /// media range matches by type and subtype, RFC 9110 section 12.5.1), which that section lets the server disregard rather
    /// than answer 406: a verifier must get the list, as it gets every other public document whatever its Accept.
    /// </summary>
    private static string StatusListMediaType(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().Accept;
        // A client naming the plain JWT type asks for this representation too.
        var jwt = Math.Max(Quality(accepted, StatusListMediaTypes[0]), accepted.Where(a => a.MediaType.Equals("application/jwt", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max());
        var text = Quality(accepted, StatusListMediaTypes[1]);
        return text > jwt ? StatusListMediaTypes[1] : StatusListMediaTypes[0];
    }

    /// <summary>The q-value of the most specific Accept range that matches <paramref name="mediaType"/> (RFC 9110 §12.5.1); 0 when none does.</summary>
    private static double Quality(IList<MediaTypeHeaderValue> accepted, string mediaType)
    {
        var offered = new MediaTypeHeaderValue(mediaType);
        return accepted.Where(a => a.MatchesAllTypes || (a.MatchesAllSubTypes ? a.Type.Equals(offered.Type, StringComparison.OrdinalIgnoreCase) : a.MediaType.Equals(offered.MediaType, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(a => a.MatchesAllTypes ? 0 : a.MatchesAllSubTypes ? 1 : 2)
            .Select(a => a.Quality ?? 1)
            .DefaultIfEmpty(0)
            .First();
    }

    internal static IResult Json(JsonObject document) => Results.Text(document.ToJsonString(), JsonType, Encoding.UTF8);

    public static IServiceCollection AddCredentials(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(CredentialUrls.From(configuration));
        services.AddSingleton(configuration.GetSection(CredentialSettings.Section).Get<CredentialSettings>() ?? new CredentialSettings());
        services.AddSingleton<OpenBadgesDocuments>();
        services.AddSingleton<Ob2Documents>();
        services.AddSingleton<CredentialCache>();
        services.AddSingleton<DecryptedKeys>();
        services.AddSingleton(configuration.GetSection(StatusListSettings.Section).Get<StatusListSettings>() ?? new StatusListSettings());
        services.AddSingleton<StatusListSignal>();
        services.AddHostedService<StatusListPublisher>();
        // Before the notification handlers of the same topic: the list is marked even when a mail has to be retried.
        services.AddScoped<IOutboxHandler, StatusListRevocationHandler>();
        return services;
    }
}
