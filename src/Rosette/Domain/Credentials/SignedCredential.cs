namespace Rosette.Domain.Credentials;

/// <summary>
/// One OB 3.0 credential of an award (its first, whose id is the award's, or one a renewal made), signed once and kept: <see cref="Json"/> is the credential and <see cref="Jws"/> its
/// VC-JWT. Every instance serves these same bytes. It is signed again only when the public base URL it was made for
/// changes (its ids would point elsewhere); revocation does not change it (its credentialStatus list says so).
/// </summary>
public sealed class SignedCredential
{
    private SignedCredential()
    {
    }

    /// <summary>The credential's id (urn:uuid:...): the award's id for its first credential, a new one for each renewal.</summary>
    public Guid CredentialId { get; private set; }

    public Guid AwardId { get; private set; }

    public string BaseUrl { get; private set; } = "";

    public Guid KeyId { get; private set; }

    public string Json { get; private set; } = "";

    public string Jws { get; private set; } = "";

    public DateTime SignedAt { get; private set; }

    public static SignedCredential Create(Guid credentialId, Guid awardId, string baseUrl, Guid keyId, string json, string jws, DateTime now) => new()
    {
        CredentialId = credentialId,
        AwardId = awardId,
        BaseUrl = baseUrl,
        KeyId = keyId,
        Json = json,
        Jws = jws,
        SignedAt = now,
    };

    public void Replace(string baseUrl, Guid keyId, string json, string jws, DateTime now)
    {
        BaseUrl = baseUrl;
        KeyId = keyId;
        Json = json;
        Jws = jws;
        SignedAt = now;
    }
}
