using System.Globalization;
using System.Text.Json.Nodes;
using Rosette.Domain.Credentials;

namespace Rosette.Features.Credentials;

/// <summary>
/// The JSON documents of Open Badges 3.0 (an OpenBadgeCredential and what its ids point at) and of Open Badges 2.0
/// hosted verification, built from <see cref="CredentialFacts"/>. The shapes follow the 1EdTech JSON schema, which
/// wants arrays for every <c>type</c> but Image's and IdentityObject's.
/// </summary>
public sealed class OpenBadgesDocuments(CredentialUrls urls, CredentialSettings settings)
{
    public const string VcContext = "https://www.w3.org/ns/credentials/v2";
    public const string Ob3Context = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

    /// <summary>Defines 1EdTechRevocationList and 1EdTechJsonSchemaValidator2019, which the OB 3.0 context does not.</summary>
    public const string Ob3ExtensionsContext = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";

    public const string Ob3Schema = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
    public const string Ob2Context = "https://w3id.org/openbadges/v2";

    public CredentialUrls Urls => urls;

    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // ---- Open Badges 3.0 ----------------------------------------------------------------------------------------

    public JsonObject Credential(CredentialFacts f)
    {
        var subject = new JsonObject
        {
            ["type"] = new JsonArray("AchievementSubject"),
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = "IdentityObject",
                ["identityHash"] = RecipientIdentity.Hash(f.StudentEmail, f.RecipientSalt),
                ["identityType"] = "emailAddress",
                ["hashed"] = true,
                ["salt"] = f.RecipientSalt,
            }),
            ["achievement"] = Achievement(f.Badge),
        };
        if (f.Narrative is not null)
        {
            subject["narrative"] = f.Narrative;
        }
        var credential = new JsonObject
        {
            ["@context"] = new JsonArray(VcContext, Ob3Context, Ob3ExtensionsContext),
            ["id"] = CredentialUrls.CredentialId(f.AwardId),
            ["type"] = new JsonArray("VerifiableCredential", "OpenBadgeCredential"),
            ["name"] = f.Badge.Name,
            ["issuer"] = Profile(f.Issuer),
            ["validFrom"] = Timestamp(f.IssuedAt),
        };
        if (f.ExpiresAt is { } expires)
        {
            credential["validUntil"] = Timestamp(expires);
        }
        credential["credentialSubject"] = subject;
        credential["credentialSchema"] = new JsonArray(new JsonObject { ["id"] = Ob3Schema, ["type"] = "1EdTechJsonSchemaValidator2019" });
        credential["credentialStatus"] = new JsonObject { ["id"] = urls.RevocationList(f.Issuer.Id), ["type"] = "1EdTechRevocationList" };
        return credential;
    }

    /// <summary>The VC-JWT claims set: the credential itself plus iss, nbf (= validFrom), jti (= id) and exp (= validUntil).</summary>
    public static JsonObject JwtPayload(JsonObject credential, CredentialFacts f)
    {
        var payload = credential.DeepClone().AsObject();
        payload["iss"] = credential["issuer"]!["id"]!.GetValue<string>();
        // No sub: the subject is identified by a hashed email, not by an id.
        payload["nbf"] = new DateTimeOffset(f.IssuedAt).ToUnixTimeSeconds();
        payload["jti"] = credential["id"]!.GetValue<string>();
        if (f.ExpiresAt is { } expires)
        {
            payload["exp"] = new DateTimeOffset(expires).ToUnixTimeSeconds();
        }
        return payload;
    }

    public JsonObject Profile(IssuerFacts issuer, bool withContext = false)
    {
        var profile = new JsonObject();
        if (withContext)
        {
            profile["@context"] = new JsonArray(VcContext, Ob3Context);
        }
        profile["id"] = urls.Issuer(issuer.Id);
        profile["type"] = new JsonArray("Profile");
        profile["name"] = issuer.Name;
        profile["url"] = urls.Base;
        profile["email"] = settings.IssuerEmail(urls);
        return profile;
    }

    public JsonObject Achievement(BadgeFacts badge, bool withContext = false)
    {
        var achievement = new JsonObject();
        if (withContext)
        {
            achievement["@context"] = new JsonArray(VcContext, Ob3Context);
        }
        achievement["id"] = urls.Achievement(badge.Id);
        achievement["type"] = new JsonArray("Achievement");
        achievement["name"] = badge.Name;
        achievement["description"] = badge.Description;
        achievement["criteria"] = new JsonObject { ["narrative"] = badge.CriteriaNarrative };
        if (badge.ImageContentType is not null)
        {
            achievement["image"] = new JsonObject { ["id"] = urls.BadgeImage(badge.Id, badge.ImageVersion), ["type"] = "Image" };
        }
        return achievement;
    }

    /// <summary>The 1EdTech revocation list of an issuer: every revoked credential, with the reason.</summary>
    public JsonObject RevocationList(Guid issuerId, IEnumerable<(Guid AwardId, string? Reason)> revoked)
    {
        var items = new JsonArray();
        foreach (var (awardId, reason) in revoked)
        {
            items.Add(new JsonObject { ["id"] = CredentialUrls.CredentialId(awardId), ["revoked"] = true, ["revocationReason"] = reason });
        }
        return new JsonObject { ["id"] = urls.RevocationList(issuerId), ["issuer"] = urls.Issuer(issuerId), ["revokedCredentials"] = items };
    }

    // ---- Open Badges 2.0, hosted verification ------------------------------------------------------------------

    public JsonObject Ob2Assertion(CredentialFacts f)
    {
        var assertion = new JsonObject
        {
            ["@context"] = Ob2Context,
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
            ["issuedOn"] = Timestamp(f.IssuedAt),
        };
        if (f.ExpiresAt is { } expires)
        {
            assertion["expires"] = Timestamp(expires);
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

    public JsonObject Ob2BadgeClass(BadgeFacts badge)
    {
        var badgeClass = new JsonObject
        {
            ["@context"] = Ob2Context,
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

    public JsonObject Ob2Issuer(IssuerFacts issuer) => new()
    {
        ["@context"] = Ob2Context,
        ["type"] = "Issuer",
        ["id"] = urls.Ob2Issuer(issuer.Id),
        ["name"] = issuer.Name,
        ["url"] = urls.Base,
        ["email"] = settings.IssuerEmail(urls),
    };
}

/// <summary>Settings of the credentials (section Rosette:Credentials).</summary>
public sealed class CredentialSettings
{
    public const string Section = "Rosette:Credentials";

    /// <summary>The issuers' contact address (OB 2.0 requires one); default badges@ the public host.</summary>
    public string? ContactEmail { get; set; }

    public string IssuerEmail(CredentialUrls urls) => ContactEmail ?? $"badges@{new Uri(urls.Base).Host}";
}
