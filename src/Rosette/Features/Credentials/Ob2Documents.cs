using System.Text.Json.Nodes;
using Rosette.Domain.Credentials;

namespace Rosette.Features.Credentials;

/// <summary>
/// The JSON documents of Open Badges 2.0 hosted verification (an Assertion, its BadgeClass and Issuer), built from
/// <see cref="CredentialFacts"/>; a revoked assertion says so and why.
/// </summary>
public sealed class Ob2Documents(CredentialUrls urls, CredentialSettings settings)
{
    public const string Context = "https://w3id.org/openbadges/v2";

    public JsonObject Assertion(CredentialFacts f)
    {
        var assertion = new JsonObject
        {
            ["@context"] = Context,
            ["type"] = "Assertion",
            ["id"] = urls.Ob2Assertion(f.AwardId),
            ["recipient"] = new JsonObject
            {
                ["type"] = "email",
                ["hashed"] = true,
                ["salt"] = f.RecipientSalt,
                ["identity"] = RecipientIdentity.Hash(f.StudentEmail, f.RecipientSalt),
            },
            ["badge"] = urls.Ob2Badge(f.Badge.Id),
            ["issuedOn"] = OpenBadgesDocuments.Timestamp(f.IssuedAt),
        };
        if (f.ExpiresAt is { } expires)
        {
            assertion["expires"] = OpenBadgesDocuments.Timestamp(expires);
        }
        if (f.Badge.HasPng)
        {
            assertion["image"] = urls.Ob2AssertionPng(f.AwardId);
        }
        if (f.Narrative is not null)
        {
            assertion["narrative"] = f.Narrative;
        }
        assertion["verification"] = new JsonObject { ["type"] = "hosted" };
        if (f.RevokedAt is not null)
        {
            assertion["revoked"] = true;
            assertion["revocationReason"] = f.RevocationReason;
        }
        return assertion;
    }

    public JsonObject BadgeClass(BadgeFacts badge)
    {
        var badgeClass = new JsonObject
        {
            ["@context"] = Context,
            ["type"] = "BadgeClass",
            ["id"] = urls.Ob2Badge(badge.Id),
            ["name"] = badge.Name,
            ["description"] = badge.Description,
        };
        if (badge.ImageContentType is not null)
        {
            badgeClass["image"] = urls.BadgeImage(badge.Id, badge.ImageVersion);
        }
        badgeClass["criteria"] = new JsonObject { ["narrative"] = badge.CriteriaNarrative };
        badgeClass["issuer"] = urls.Ob2Issuer(badge.OrganizationId);
        return badgeClass;
    }

    public JsonObject Issuer(IssuerFacts issuer) => new()
    {
        ["@context"] = Context,
        ["type"] = "Issuer",
        ["id"] = urls.Ob2Issuer(issuer.Id),
        ["name"] = issuer.Name,
        ["url"] = urls.Base,
        ["email"] = settings.IssuerEmail(urls),
    };
}
