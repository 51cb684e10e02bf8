namespace Rosette.Domain.Issuance;

public enum AwardSource
{
    Roster,
    CourseAssignment,
    Achievement,
    Import,
}

/// <summary>
/// A student holds a badge. Its id is the public credential id. A student holds at most one active (not revoked)
/// award of a badge: a partial unique index guards this, whatever path the award takes in.
/// </summary>
public sealed class Award
{
    public const int NarrativeMaxLength = 2000;
    public const int RevocationReasonMaxLength = 500;

    private Award()
    {
    }

    public Guid Id { get; private set; }

    public Guid BadgeId { get; private set; }

    public Guid StudentId { get; private set; }

    /// <summary>UTC, whole seconds.</summary>
    public DateTime IssuedAt { get; private set; }

    /// <summary>Null when the award was issued automatically.</summary>
    public Guid? IssuedById { get; private set; }

    public AwardSource Source { get; private set; }

    public Guid? ClassId { get; private set; }

    public Guid? CourseAssignmentId { get; private set; }

    public Guid? BatchId { get; private set; }

    public string? Narrative { get; private set; }

    public DateTime? ExpiresAt { get; private set; }

    /// <summary>Salt of the recipient's hashed email in the credentials.</summary>
    public string RecipientSalt { get; private set; } = "";

    public DateTime? RevokedAt { get; private set; }

    public Guid? RevokedById { get; private set; }

    public string? RevocationReason { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public static Award Create(
        Guid badgeId, Guid studentId, DateTime issuedAt, Guid? issuedById, AwardSource source, Guid? classId, Guid? courseAssignmentId,
        Guid? batchId, string? narrative, DateTime? expiresAt) => new()
    {
        Id = SecureRandom.NewVersion7Id(DateTimeOffset.UtcNow),
        BadgeId = badgeId,
        StudentId = studentId,
        IssuedAt = issuedAt,
        IssuedById = issuedById,
        Source = source,
        ClassId = classId,
        CourseAssignmentId = courseAssignmentId,
        BatchId = batchId,
        Narrative = narrative,
        ExpiresAt = expiresAt,
        RecipientSalt = NewSalt(),
    };

    private static string NewSalt()
    {
        Span<byte> salt = stackalloc byte[16];
        SecureRandom.Fill(salt);
        return Convert.ToHexStringLower(salt);
    }

    /// <summary>Revokes the award; the badge may then be issued to the student again.</summary>
    public Error? Revoke(Guid revokedById, string? reason, DateTime now)
    {
        if (IsRevoked)
        {
            return IssuanceErrors.AlreadyRevoked(Id);
        }
        var validReason = Text.Required("reason", reason, RevocationReasonMaxLength);
        if (!validReason.IsSuccess)
        {
            return validReason.Error;
        }
        RevokedAt = now;
        RevokedById = revokedById;
        RevocationReason = validReason.Value;
        return null;
    }

    public AwardStatus StatusAt(DateTime now) => StatusOf(RevokedAt, ExpiresAt, now);

    /// <summary>The status rule, for read models that hold the dates but not the award.</summary>
    public static AwardStatus StatusOf(DateTime? revokedAt, DateTime? expiresAt, DateTime now) =>
        revokedAt is not null ? AwardStatus.Revoked : expiresAt is { } expires && expires <= now ? AwardStatus.Expired : AwardStatus.Valid;
}

public enum AwardStatus
{
    Valid,
    Expired,
    Revoked,
}
