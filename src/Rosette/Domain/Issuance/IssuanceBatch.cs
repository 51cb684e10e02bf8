using System.Security.Cryptography;
using System.Text;

namespace Rosette.Domain.Issuance;

/// <summary>
/// One issuance request (an individual issuance is a batch of one pair): who, when, what was asked and how it went.
/// The issued pairs are the awards that carry its id; the failed pairs are its <see cref="IssuanceFailure"/>s.
/// </summary>
public sealed class IssuanceBatch
{
    public const int IdempotencyKeyMaxLength = 200;

    private IssuanceBatch()
    {
    }

    public Guid Id { get; private set; }

    public AwardSource Source { get; private set; }

    public Guid? ClassId { get; private set; }

    public Guid? CourseAssignmentId { get; private set; }

    public Guid? IssuedById { get; private set; }

    /// <summary>The API key that asked for the batch, when a machine did (then <see cref="IssuedById"/> is null: keys are not people).</summary>
    public Guid? ApiKeyId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public int BadgeCount { get; private set; }

    public int StudentCount { get; private set; }

    public int IssuedCount { get; private set; }

    public int FailedCount { get; private set; }

    /// <summary>Pairs whose student held the badge expired or within its renewal window: renewed, not issued again.</summary>
    public int RenewedCount { get; private set; }

    public string? Narrative { get; private set; }

    public bool SuppressNotifications { get; private set; }

    /// <summary>The client's Idempotency-Key: a retry with the same key returns this batch's stored result.</summary>
    public string? IdempotencyKey { get; private set; }

    /// <summary>
    /// The fingerprint of the request stored under <see cref="IdempotencyKey"/> (<see cref="Fingerprint"/>); null for
    /// batches stored before fingerprints were kept, which any retry with their key replays.
    /// </summary>
    public string? RequestHash { get; private set; }

    public static IssuanceBatch Create(
        AwardSource source, Guid? classId, Guid? courseAssignmentId, Guid? issuedById, DateTime now, int badgeCount, int studentCount,
        string? narrative, bool suppressNotifications, string? idempotencyKey, string? requestHash = null, Guid? apiKeyId = null) => new()
    {
        Id = Guid.CreateVersion7(),
        Source = source,
        ClassId = classId,
        CourseAssignmentId = courseAssignmentId,
        IssuedById = issuedById,
        ApiKeyId = apiKeyId,
        CreatedAt = now,
        BadgeCount = badgeCount,
        StudentCount = studentCount,
        Narrative = narrative,
        SuppressNotifications = suppressNotifications,
        IdempotencyKey = idempotencyKey,
        RequestHash = idempotencyKey is null ? null : requestHash,
    };

    /// <summary>
    /// What makes two requests the same request: the place, the sets of badges and students (order and repeats aside),
    /// the narrative and the silence. SHA-256, lower-case hex.
    /// </summary>
    public static string Fingerprint(Guid place, IEnumerable<Guid> badgeIds, IEnumerable<Guid> studentIds, string? narrative, bool suppressNotifications)
    {
        var text = new StringBuilder().Append(place.ToString("N")).Append('|')
            .AppendJoin(',', badgeIds.Distinct().Order().Select(id => id.ToString("N"))).Append('|')
            .AppendJoin(',', studentIds.Distinct().Order().Select(id => id.ToString("N"))).Append('|')
            .Append(suppressNotifications ? '1' : '0').Append('|')
            .Append(narrative);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Whether a request with this batch's idempotency key and <paramref name="requestHash"/> may be answered with this batch.</summary>
    public Error? CheckReplay(string requestHash) =>
        RequestHash is null || RequestHash == requestHash ? null : IssuanceErrors.IdempotencyKeyReused;

    /// <summary>An award issued by this batch: its source, issuer, class or course assignment are the batch's.</summary>
    public AwardFacts AwardFacts(Guid badgeId, Guid studentId, DateTime issuedAt) => new(badgeId, studentId, issuedAt, Source)
    {
        IssuedById = IssuedById,
        ClassId = ClassId,
        CourseAssignmentId = CourseAssignmentId,
        BatchId = Id,
    };

    public void Record(int issued, int failed, int renewed = 0)
    {
        IssuedCount = issued;
        FailedCount = failed;
        RenewedCount = renewed;
    }
}

/// <summary>A pair of a batch that was not issued, with the reason.</summary>
public sealed class IssuanceFailure
{
    private IssuanceFailure()
    {
    }

    public long Id { get; private set; }

    public Guid BatchId { get; private set; }

    public Guid BadgeId { get; private set; }

    public Guid StudentId { get; private set; }

    /// <summary>The award a renewal named, when the pair failed as a renewal (null for an issuance's pair).</summary>
    public Guid? AwardId { get; private set; }

    public string Code { get; private set; } = "";

    public string Message { get; private set; } = "";

    public static IssuanceFailure Create(Guid batchId, Guid badgeId, Guid studentId, Error error, Guid? awardId = null) =>
        new() { BatchId = batchId, BadgeId = badgeId, StudentId = studentId, AwardId = awardId, Code = error.Code, Message = error.Message };
}
