namespace Rosette.Domain.Issuance;

public enum AwardSource
{
    Roster,
    CourseAssignment,
    Achievement,
    Import,

    /// <summary>Renewed in bulk from the list of expiring awards.</summary>
    ExpiringAwards,
}

/// <summary>
/// A student holds a badge. A student holds at most one active (not revoked) award of a badge: a partial unique index
/// guards this, whatever path the award takes in. The award's first credential has the award's id; a renewal gives the
/// award a new credential (<see cref="CredentialId"/>) with a new validity, and the one it replaces stays verifiable as
/// superseded (an <see cref="AwardRenewal"/> records it).
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

    /// <summary>When the current credential expires (null: never).</summary>
    public DateTime? ExpiresAt { get; private set; }

    /// <summary>The current credential when the award was renewed; null while its first credential (the award's id) is current.</summary>
    public Guid? CredentialId { get; private set; }

    /// <summary>When the award was last renewed: the current credential's validFrom.</summary>
    public DateTime? RenewedAt { get; private set; }

    public Guid CurrentCredentialId => CredentialId ?? Id;

    /// <summary>The current credential's validFrom: the issue time, or the last renewal's.</summary>
    public DateTime ValidFrom => RenewedAt ?? IssuedAt;

    /// <summary>Salt of the recipient's hashed email in the credentials.</summary>
    public string RecipientSalt { get; private set; } = "";

    public DateTime? RevokedAt { get; private set; }

    public Guid? RevokedById { get; private set; }

    public string? RevocationReason { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public static Award Create(AwardFacts facts) => new()
    {
        Id = SecureRandom.NewVersion7Id(DateTimeOffset.UtcNow),
        BadgeId = facts.BadgeId,
        StudentId = facts.StudentId,
        IssuedAt = facts.IssuedAt,
        IssuedById = facts.IssuedById,
        Source = facts.Source,
        ClassId = facts.ClassId,
        CourseAssignmentId = facts.CourseAssignmentId,
        BatchId = facts.BatchId,
        Narrative = facts.Narrative,
        ExpiresAt = facts.ExpiresAt,
        RecipientSalt = NewSalt(),
    };

    /// <summary>
    /// Gives new awards, listed in the order they are written, ids that ascend in that order: as many random version 7 ids
    /// of this millisecond, sorted (<see cref="SecureRandom.NewVersion7Ids"/>). Every index that holds the id (the key, the
    /// newest-first list) then takes a batch's awards as one run at its end instead of scattered over its pages.
    /// </summary>
    public static void NumberInOrder(IReadOnlyList<Award> awards)
    {
        var ids = SecureRandom.NewVersion7Ids(DateTimeOffset.UtcNow, awards.Count);
        for (var i = 0; i < awards.Count; i++)
        {
            awards[i].Id = ids[i];
        }
    }

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

    /// <summary>
    /// A renewal of this award at <paramref name="now"/>: a new credential whose validity runs <paramref name="validityDays"/>
    /// from the current expiry when the award has not expired yet (renewing early loses no days), else from now. Null
    /// validity days (the badge no longer expires) give a credential that never expires. The award changes only when the
    /// renewal is written (the database lets one renewal of a credential win).
    /// </summary>
    public AwardRenewal RenewalAt(DateTime now, int? validityDays, Guid? renewedById, AwardSource source, Guid? batchId) =>
        AwardRenewal.Create(this, now, validityDays is { } days ? (ExpiresAt is { } expires && expires > now ? expires : now).AddDays(days) : null,
            renewedById, source, batchId);

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
