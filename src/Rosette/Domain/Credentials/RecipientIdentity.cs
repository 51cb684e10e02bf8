using System.Security.Cryptography;
using System.Text;

namespace Rosette.Domain.Credentials;

/// <summary>
/// How a credential names its recipient without showing their email: <c>sha256$</c> + hex(SHA-256(email + salt)), the
/// Open Badges rule (OB 2.0 <c>recipient.identity</c>, OB 3.0 <c>identifier.identityHash</c>). The address is lower-cased
/// first: mail addresses are compared without case in practice, and a verifier is most likely given the lower-case form.
/// </summary>
public static class RecipientIdentity
{
    public static string Hash(string email, string salt)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant() + salt));
        return "sha256$" + Convert.ToHexStringLower(digest);
    }
}
