using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Rosette.Domain.Credentials;

/// <summary>
/// A W3C Bitstring Status List of one issuer (Bitstring Status List v1.0, a W3C Recommendation): 131,072 entries, the
/// minimum the specification allows (§3.2 step 2), one bit each, set when the credential at that index is revoked.
/// Indexes are handed out once each, in an order that a keyed permutation scrambles (§2.1: "Implementations SHOULD
/// assign indexes randomly"), so that an index tells nothing of when a credential was issued or how many were. When a
/// list is full, the issuer's next list (Number + 1) takes over.
/// </summary>
public sealed class StatusList
{
    public const int Length = 131_072;
    public const string Revocation = "revocation";

    private StatusList()
    {
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    /// <summary>1 for an issuer's first list, then 2, 3 ... as each fills.</summary>
    public int Number { get; private set; }

    public string Purpose { get; private set; } = Revocation;

    /// <summary>How many indexes were handed out (incremented atomically in SQL, never decremented).</summary>
    public int Allocated { get; private set; }

    /// <summary>The secret key of the permutation from allocation order to index.</summary>
    public byte[] IndexKey { get; private set; } = [];

    /// <summary>Bumped whenever a bit may have changed; the list is signed again when it is ahead of <see cref="SignedRevision"/>.</summary>
    public long Revision { get; private set; }

    public long SignedRevision { get; private set; }

    /// <summary>When the first change not yet published happened (signing waits a little after it, to gather a burst).</summary>
    public DateTime? ChangedAt { get; private set; }

    /// <summary>The signed BitstringStatusListCredential (a compact JWS) every instance serves.</summary>
    public string? Jws { get; private set; }

    public string? SignedBaseUrl { get; private set; }

    public DateTime? SignedAt { get; private set; }

    public DateTime? ValidUntil { get; private set; }

    /// <summary>While set and in the future, one instance is signing the list and others leave it alone.</summary>
    public DateTime? PublishingUntil { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public static StatusList Create(Guid organizationId, int number, DateTime now)
    {
        var key = new byte[32];
        SecureRandom.Fill(key);
        return new StatusList
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            Number = number,
            IndexKey = key,
            Revision = 1,
            CreatedAt = now,
        };
    }

    /// <summary>The index of the <paramref name="sequence"/>-th allocation (0-based): a bijection of [0, Length).</summary>
    public static int IndexOf(byte[] key, int sequence)
    {
        if (sequence is < 0 or >= Length)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence));
        }
        // A 4-round Feistel network over 18 bits (9 + 9), walked until it lands inside the 17-bit range: a permutation of
        // [0, 2^18) restricted to [0, 2^17) by cycle-walking is a permutation of [0, 2^17).
        var rounds = RoundsOf(key);
        var value = sequence;
        do
        {
            int left = value >> 9, right = value & 0x1FF;
            foreach (var round in rounds)
            {
                (left, right) = (right, left ^ round[right]);
            }
            value = (left << 9) | right;
        }
        while (value >= Length);
        return value;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ushort[][]> Rounds = new();

    /// <summary>The round functions of a key as tables (9 bits in, 9 bits out, from HMAC-SHA256), made once per key.</summary>
    private static ushort[][] RoundsOf(byte[] key)
    {
        if (Rounds.Count > 10_000)
        {
            Rounds.Clear();
        }
        return Rounds.GetOrAdd(Convert.ToBase64String(key), encoded =>
        {
            using var hmac = new HMACSHA256(key);
            Span<byte> input = stackalloc byte[3];
            Span<byte> hash = stackalloc byte[32];
            var rounds = new ushort[4][];
            for (byte round = 0; round < rounds.Length; round++)
            {
                rounds[round] = new ushort[512];
                input[0] = round;
                for (var half = 0; half < 512; half++)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(input[1..], (ushort)half);
                    hmac.TryComputeHash(input, hash, out _);
                    rounds[round][half] = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(hash) & 0x1FF);
                }
            }
            return rounds;
        });
    }

    /// <summary>
    /// The <c>encodedList</c> of a list whose set bits are <paramref name="setIndexes"/> (§3.3): index 0 is the left-most
    /// (most significant) bit of the first byte (§2.2, §7.1), GZIP-compressed (RFC 1952), multibase base64url without
    /// padding (prefix <c>u</c>).
    /// </summary>
    public static string Encode(IEnumerable<int> setIndexes)
    {
        var bits = new byte[Length / 8];
        foreach (var index in setIndexes)
        {
            bits[index >> 3] |= (byte)(0x80 >> (index & 7));
        }
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(bits);
        }
        return "u" + Base64Url.EncodeToString(compressed.ToArray());
    }

    /// <summary>
    /// Whether a list must be signed (again): never signed, signed for another public base URL, its validity running out
    /// within <paramref name="refreshBefore"/>, or changed at least <paramref name="debounce"/> ago and not yet published.
    /// An expression, so that the database picks the due lists.
    /// </summary>
    public static System.Linq.Expressions.Expression<Func<StatusList, bool>> IsDue(DateTime now, TimeSpan debounce, TimeSpan refreshBefore, string baseUrl)
    {
        var changedBefore = now - debounce;
        var expiringBefore = now + refreshBefore;
        return l => l.Jws == null || l.SignedBaseUrl != baseUrl || l.ValidUntil == null || l.ValidUntil <= expiringBefore
            || (l.Revision > l.SignedRevision && l.ChangedAt <= changedBefore);
    }
}

/// <summary>The status entry of one signed credential: which list and index it holds, given once, never reused.</summary>
public sealed class CredentialStatus
{
    private CredentialStatus()
    {
    }

    /// <summary>The credential's id (today the award's id; a renewed award gets a new credential, and so a new entry).</summary>
    public Guid CredentialId { get; private set; }

    public Guid AwardId { get; private set; }

    public Guid StatusListId { get; private set; }

    public int Index { get; private set; }

    public DateTime AllocatedAt { get; private set; }

    public static CredentialStatus Create(Guid credentialId, Guid awardId, Guid statusListId, int index, DateTime now) => new()
    {
        CredentialId = credentialId,
        AwardId = awardId,
        StatusListId = statusListId,
        Index = index,
        AllocatedAt = now,
    };
}

/// <summary>
/// The id a student has as the subject of one issuer's credentials: a random <c>urn:uuid:</c>, stable for the pair, that
/// says nothing about the person and links nothing across issuers. OB 3.0 wants it as <c>credentialSubject.id</c> and as
/// the JWT's <c>sub</c>; the hashed email <c>identifier</c> stays beside it for verifiers who know the address.
/// </summary>
public sealed class CredentialSubject
{
    private CredentialSubject()
    {
    }

    public Guid StudentId { get; private set; }

    public Guid OrganizationId { get; private set; }

    public Guid SubjectId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    /// <summary>A new subject id: a random (version 4) UUID, not a time-ordered one, so that it tells nothing, not even when.</summary>
    public static CredentialSubject Create(Guid studentId, Guid organizationId, DateTime now) => new()
    {
        StudentId = studentId,
        OrganizationId = organizationId,
        SubjectId = Guid.NewGuid(),
        CreatedAt = now,
    };
}
