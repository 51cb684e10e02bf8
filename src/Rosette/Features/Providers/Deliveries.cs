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
}
