using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;

namespace Rosette.Features.Providers;

/// <summary>Delivery requests are written with the awards, in the issuing transaction (a transactional outbox).</summary>
public static class Deliveries
{
    /// <summary>Inside the caller's transaction: a pending delivery for each award whose badge is linked to a provider.</summary>
    public static async Task<int> CreateForAsync(this RosetteDb db, IReadOnlyCollection<Award> awards, DateTime now, CancellationToken cancellationToken)
    {
        if (awards.Count == 0)
        {
            return 0;
        }
        var badgeIds = awards.Select(a => a.BadgeId).Distinct().ToList();
        var providers = await db.Badges.AsNoTracking()
            .Where(b => badgeIds.Contains(b.Id) && b.ProviderId != null)
            .ToDictionaryAsync(b => b.Id, b => b.ProviderId!.Value, cancellationToken);
        if (providers.Count == 0)
        {
            return 0;
        }
        var deliveries = awards.Where(a => providers.ContainsKey(a.BadgeId))
            .Select(a => ProviderDelivery.Create(a.Id, providers[a.BadgeId], now)).ToList();
        await db.InsertAsync(deliveries, ignoreConflicts: false, d => d.AwardId, cancellationToken);
        return deliveries.Count;
    }

    /// <summary>
    /// Inside the caller's transaction: the provider must learn the renewed awards' new expiry. A delivered badge is sent
    /// again (Credly replaces it); one still on its way is marked so that the renewal follows it. Failed and revoked
    /// deliveries are left to an administrator's retry (which sends the award as it then stands).
    /// </summary>
    public static Task<int> RequestRenewalsAsync(this RosetteDb db, IReadOnlyCollection<Guid> awardIds, DateTime now, CancellationToken cancellationToken) =>
        awardIds.Count == 0
            ? Task.FromResult(0)
            : db.ProviderDeliveries.Where(d => awardIds.Contains(d.AwardId) && (d.Status == DeliveryStatus.Delivered || d.Status == DeliveryStatus.Pending))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.RenewalRequested, true)
                    .SetProperty(d => d.Status, DeliveryStatus.Pending)
                    .SetProperty(d => d.NextAttemptAt, d => d.Status == DeliveryStatus.Delivered ? now : d.NextAttemptAt)
                    .SetProperty(d => d.FirstAttemptAt, d => d.Status == DeliveryStatus.Delivered ? null : d.FirstAttemptAt)
                    .SetProperty(d => d.Version, d => d.Version + 1), cancellationToken);
}
