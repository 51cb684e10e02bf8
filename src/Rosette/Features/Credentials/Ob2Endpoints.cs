using Rosette.Data;
using Rosette.Domain.Badges;
using Rosette.Domain.Credentials;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Credentials;

/// <summary>
/// The Open Badges 2.0 hosted verification endpoints (<c>/ob2/...</c>): an award's Assertion (and its baked PNG), the
/// BadgeClass and the Issuer, mapped on <see cref="CredentialEndpoints"/>' public group.
/// </summary>
public static class Ob2Endpoints
{
    public static RouteGroupBuilder MapOb2(this RouteGroupBuilder credentials)
    {
        credentials.MapGet("/ob2/assertions/{awardId}", async (string awardId, RosetteDb db, Ob2Documents documents, CancellationToken ct) =>
        {
            if (!CredentialUrls.TryParseId(awardId, out var id) || await db.FindAsync(id, ct) is not { } facts)
            {
                return CredentialErrors.NotFound(awardId).ToProblem();
            }
            // Hosted verification: a revoked assertion answers 410 Gone, its body saying revoked and why.
            var status = facts.RevokedAt is null ? StatusCodes.Status200OK : StatusCodes.Status410Gone;
            return Results.Text(documents.Assertion(facts).ToJsonString(), CredentialEndpoints.JsonType, statusCode: status);
        });

        credentials.MapGet("/ob2/assertions/{awardId}.png", async (string awardId, RosetteDb db, Ob2Documents documents, CancellationToken ct) =>
        {
            if (!CredentialUrls.TryParseId(awardId, out var id) || await db.FindAsync(id, ct) is not { } facts)
            {
                return CredentialErrors.NotFound(awardId).ToProblem();
            }
            var image = await CredentialEndpoints.ImageAsync(db, id, ct);
            if (image is not { ContentType: "image/png" })
            {
                return CredentialErrors.ImageNotFound.ToProblem();
            }
            return Results.Bytes(Baking.BakePng(image.Data, BakedCredential.Ob2Keyword, documents.Assertion(facts).ToJsonString()), "image/png");
        });

        credentials.MapGet("/ob2/badges/{badgeId}", async (string badgeId, RosetteDb db, Ob2Documents documents, CancellationToken ct) =>
            await CredentialEndpoints.BadgeAsync(badgeId, db, ct) is { } badge ? CredentialEndpoints.Json(documents.BadgeClass(badge)) : CredentialErrors.AchievementNotFound.ToProblem());

        credentials.MapGet("/ob2/issuers/{organizationId}", async (string organizationId, RosetteDb db, Ob2Documents documents, CancellationToken ct) =>
            await CredentialEndpoints.IssuerAsync(organizationId, db, ct) is { } issuer ? CredentialEndpoints.Json(documents.Issuer(issuer)) : CredentialErrors.IssuerNotFound.ToProblem());

        return credentials;
    }
}
