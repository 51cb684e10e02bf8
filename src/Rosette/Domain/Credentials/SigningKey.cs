namespace Rosette.Domain.Credentials;

/// <summary>
/// A key that signs credentials (RS256). The private key is stored only encrypted (<see cref="ProtectedPrivateKey"/>);
/// the public key stays published after the key is retired, so that credentials it signed keep verifying.
/// At most one key per algorithm is current (not retired): a unique index guards it.
/// </summary>
public sealed class SigningKey
{
    public const string Rs256 = "RS256";
    public const int MinimumRsaBits = 2048;

    private SigningKey()
    {
    }

    public Guid Id { get; private set; }

    public string Algorithm { get; private set; } = Rs256;

    /// <summary>SubjectPublicKeyInfo (DER).</summary>
    public byte[] PublicKey { get; private set; } = [];

    /// <summary>The PKCS#8 private key, encrypted at rest.</summary>
    public byte[] ProtectedPrivateKey { get; private set; } = [];

    public DateTime CreatedAt { get; private set; }

    public DateTime? RetiredAt { get; private set; }

    public bool IsCurrent => RetiredAt is null;

    public static SigningKey Create(byte[] publicKey, byte[] protectedPrivateKey, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        PublicKey = publicKey,
        ProtectedPrivateKey = protectedPrivateKey,
        CreatedAt = now,
    };
}
