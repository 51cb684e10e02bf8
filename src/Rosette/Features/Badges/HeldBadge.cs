using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;

namespace Rosette.Features.Badges;

/// <summary>A badge a student holds: an award that is not revoked (it may have expired, which <see cref="Status"/> tells).</summary>
/// <summary><see cref="Delivery"/> is the award's delivery to a badge provider, when its badge is linked to one.</summary>
public sealed record HeldBadge(Guid StudentId, Guid AwardId, Guid BadgeId, string Name, string? ImageUrl, DateTime IssuedAt, AwardStatus Status, DeliveryStatus? Delivery = null)
{
    /// <summary>Valid, expiring soon (within the badge's renewal window), or expired; see <see cref="RenewalRules.StateOf"/>.</summary>
    public ExpiryState Expiry { get; init; }

    public DateTime? ExpiresAt { get; init; }

    /// <summary>Whether issuing the badge to the student again renews this award.</summary>
    public bool Renewable => Expiry is ExpiryState.ExpiringSoon or ExpiryState.Expired;
}
