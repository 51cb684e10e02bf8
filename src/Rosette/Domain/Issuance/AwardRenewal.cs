namespace Rosette.Domain.Issuance;

/// <summary>
/// One renewal of an award: the credential it supersedes (the key, so that a credential is renewed at most once, however
/// many requests or instances renew it at the same moment) and the new credential with its validity. The superseded
/// credential stays verifiable (it is not revoked); its validity is kept here so that it can still be signed and shown.
/// </summary>
public sealed class AwardRenewal
{
    private AwardRenewal()
    {
    }

    /// <summary>The credential this renewal superseded.</summary>
    public Guid PreviousCredentialId { get; private set; }

    public Guid AwardId { get; private set; }

    public DateTime PreviousValidFrom { get; private set; }

    public DateTime? PreviousValidUntil { get; private set; }

    /// <summary>The new credential: the award's current one until the next renewal.</summary>
    public Guid CredentialId { get; private set; }

    public DateTime RenewedAt { get; private set; }

    public DateTime? ValidUntil { get; private set; }

    public Guid? RenewedById { get; private set; }

    public AwardSource Source { get; private set; }

    /// <summary>The issuance request that renewed it (a batch, a course assignment, the expiring awards page); null when automatic.</summary>
    public Guid? BatchId { get; private set; }

    public Guid BadgeId { get; private set; }

    public Guid StudentId { get; private set; }

    internal static AwardRenewal Create(Award award, DateTime now, DateTime? validUntil, Guid? renewedById, AwardSource source, Guid? batchId) => new()
    {
        PreviousCredentialId = award.CurrentCredentialId,
        AwardId = award.Id,
        PreviousValidFrom = award.ValidFrom,
        PreviousValidUntil = award.ExpiresAt,
        CredentialId = SecureRandom.NewVersion7Id(now),
        RenewedAt = now,
        ValidUntil = validUntil,
        RenewedById = renewedById,
        Source = source,
        BatchId = batchId,
        BadgeId = award.BadgeId,
        StudentId = award.StudentId,
    };
}
