using System.Globalization;
using System.Text.Json.Nodes;
using Rosette.Domain.Credentials;

namespace Rosette.Features.Credentials;

/// <summary>
/// The JSON documents of Open Badges 3.0 (an OpenBadgeCredential and what its ids point at), built from <see cref="CredentialFacts"/>
/// (Open Badges 2.0 hosted verification is <see cref="Ob2Documents"/>). The shapes follow the 1EdTech JSON schema, which
/// wants arrays for every <c>type</c> but Image's and IdentityObject's.
/// </summary>
public sealed class OpenBadgesDocuments(CredentialUrls urls, CredentialSettings settings)
{
    public const string VcContext = "https://www.w3.org/ns/credentials/v2";
    public const string Ob3Context = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

    /// <summary>Defines 1EdTechRevocationList and 1EdTechJsonSchemaValidator2019, which the OB 3.0 context does not.</summary>
    public const string Ob3ExtensionsContext = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";

    public const string Ob3Schema = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

    public CredentialUrls Urls => urls;

    public static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // ---- Open Badges 3.0 ----------------------------------------------------------------------------------------

    /// <summary>
    /// The OpenBadgeCredential of an award. The subject is named by <paramref name="subjectId"/> (its <c>id</c>, which the
    /// JWT repeats as <c>sub</c>) and by the hashed email; its status is the W3C Bitstring Status List entry it was given.
    /// </summary>
    public JsonObject Credential(CredentialFacts f, Guid subjectId, StatusEntry status)
    {
        var subject = new JsonObject
        {
            ["id"] = $"urn:uuid:{subjectId:D}",
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
            ["id"] = CredentialUrls.CredentialId(f.CredentialId),
            ["type"] = new JsonArray("VerifiableCredential", "OpenBadgeCredential"),
            ["name"] = f.Badge.Name,
            ["issuer"] = Profile(f.Issuer),
            ["validFrom"] = Timestamp(f.ValidFrom),
        };
        if (f.IsRenewal)
        {
            // OB 3.0 awardedDate keeps the original award's date when a newer validFrom updates a credential.
            credential["awardedDate"] = Timestamp(f.IssuedAt);
        }
        if (f.ExpiresAt is { } expires)
        {
            credential["validUntil"] = Timestamp(expires);
        }
        credential["credentialSubject"] = subject;
        if (f.PreviousCredentialId is { } previous)
        {
            // The credential this one renews, as evidence (a web page presenting it): it stays valid as the record it was.
            credential["evidence"] = new JsonArray(new JsonObject
            {
                ["id"] = urls.Page(previous),
                ["type"] = new JsonArray("Evidence"),
                ["name"] = "Renewed credential",
                ["description"] = $"This credential renews {CredentialUrls.CredentialId(previous)}, which it supersedes (not revoked).",
            });
        }
        credential["credentialSchema"] = new JsonArray(new JsonObject { ["id"] = Ob3Schema, ["type"] = "1EdTechJsonSchemaValidator2019" });
        credential["credentialStatus"] = StatusEntryOf(f.Issuer.Id, status);
        return credential;
    }

    /// <summary>
    /// A BitstringStatusListEntry (W3C Bitstring Status List §2.1): one object, as the OB 3.0 schema wants, with an <c>id</c>
    /// (the schema requires one; the W3C text forbids it to be the list's URL, so it is the list's URL and the index).
    /// </summary>
    public JsonObject StatusEntryOf(Guid issuerId, StatusEntry status)
    {
        var list = urls.StatusList(issuerId, status.ListNumber);
        return new JsonObject
        {
            ["id"] = $"{list}#{status.Index}",
            ["type"] = "BitstringStatusListEntry",
            ["statusPurpose"] = StatusList.Revocation,
            ["statusListIndex"] = status.Index.ToString(CultureInfo.InvariantCulture),
            ["statusListCredential"] = list,
        };
    }

    /// <summary>
    /// The VC-JWT claims set of a credential (OB 3.0, "JWT Payload Format" under #jwt-proof): the credential itself plus <c>iss</c>
    /// (= issuer.id), <c>sub</c> (= credentialSubject.id), <c>nbf</c> (= validFrom), <c>jti</c> (= id) and <c>exp</c>
    /// (= validUntil, when there is one).
    /// </summary>
    public static JsonObject JwtPayload(JsonObject credential)
    {
        var payload = credential.DeepClone().AsObject();
        var issuer = credential["issuer"]!;
        payload["iss"] = issuer is JsonObject profile ? profile["id"]!.GetValue<string>() : issuer.GetValue<string>();
        payload["sub"] = credential["credentialSubject"]!["id"]!.GetValue<string>();
        payload["nbf"] = EpochSeconds(credential["validFrom"]!.GetValue<string>());
        payload["jti"] = credential["id"]!.GetValue<string>();
        if (credential["validUntil"] is { } validUntil)
        {
            payload["exp"] = EpochSeconds(validUntil.GetValue<string>());
        }
        return payload;
    }

    private static long EpochSeconds(string timestamp) =>
        DateTimeOffset.ParseExact(timestamp, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds();

    /// <summary>
    /// The BitstringStatusListCredential of an issuer's list (W3C Bitstring Status List §2.2, Example 3): VC 2.0 context,
    /// subject <c>{url}#list</c> of type BitstringStatusList, purpose revocation, the encoded bits, and <c>ttl</c> (ms)
    /// equal to the HTTP caching it is served with.
    /// </summary>
    public JsonObject StatusListCredential(Guid issuerId, int number, string encodedList, DateTime validFrom, DateTime validUntil, TimeSpan ttl)
    {
        var id = urls.StatusList(issuerId, number);
        return new JsonObject
        {
            ["@context"] = new JsonArray(VcContext),
            ["id"] = id,
            ["type"] = new JsonArray("VerifiableCredential", "BitstringStatusListCredential"),
            ["issuer"] = urls.Issuer(issuerId),
            ["validFrom"] = Timestamp(validFrom),
            ["validUntil"] = Timestamp(validUntil),
            ["credentialSubject"] = new JsonObject
            {
                ["id"] = $"{id}#list",
                ["type"] = "BitstringStatusList",
                ["statusPurpose"] = StatusList.Revocation,
                ["encodedList"] = encodedList,
                ["ttl"] = (long)ttl.TotalMilliseconds,
            },
        };
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

    /// <summary>
    /// The 1EdTech revocation list of an issuer (1EdTech Revocation List Status Method 1.0), named by the credentials signed
    /// before the Bitstring Status List: every revoked credential, with the reason, under <c>revokedCredential</c> (singular,
    /// the member 1EdTech's validator reads).
    /// </summary>
    public JsonObject RevocationList(Guid issuerId, IEnumerable<(Guid AwardId, string? Reason)> revoked)
    {
        var items = new JsonArray();
        foreach (var (awardId, reason) in revoked)
        {
            items.Add(new JsonObject { ["id"] = CredentialUrls.CredentialId(awardId), ["revoked"] = true, ["revocationReason"] = reason });
        }
        return new JsonObject { ["id"] = urls.RevocationList(issuerId), ["issuer"] = urls.Issuer(issuerId), ["revokedCredential"] = items };
    }
}

/// <summary>Where a credential's status is: its issuer's list number and its index in it.</summary>
public sealed record StatusEntry(int ListNumber, int Index);
