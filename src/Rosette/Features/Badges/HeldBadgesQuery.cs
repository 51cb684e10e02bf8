using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;

namespace Rosette.Features.Badges;

public static class HeldBadgesQuery
{
    /// <summary>The badges held by each of <paramref name="studentIds"/>, in one query whatever their number, by badge name.</summary>
    public static async Task<ILookup<Guid, HeldBadge>> HeldBadgesAsync(
        this RosetteDb db, IReadOnlyCollection<Guid> studentIds, DateTime now, CancellationToken cancellationToken)
    {
        if (studentIds.Count == 0)
        {
            return Array.Empty<HeldBadge>().ToLookup(h => h.StudentId);
        }
        var rows = await (from a in db.Awards.AsNoTracking()
                          where studentIds.Contains(a.StudentId) && a.RevokedAt == null
                          join b in db.Badges on a.BadgeId equals b.Id
                          join d in db.ProviderDeliveries on a.Id equals d.AwardId into deliveries
                          from d in deliveries.DefaultIfEmpty()
                          orderby b.Name, a.IssuedAt
                          select new { Award = a, b.Name, b.ImageContentType, b.ImageVersion, b.RenewalWindowDays, Delivery = d == null ? (DeliveryStatus?)null : d.Status })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new HeldBadge(r.Award.StudentId, r.Award.Id, r.Award.BadgeId, r.Name,
                r.ImageContentType is null ? null : BadgeImages.Url(r.Award.BadgeId, r.ImageVersion), r.Award.IssuedAt, r.Award.StatusAt(now), r.Delivery)
            {
                Expiry = RenewalRules.StateOf(r.Award.RevokedAt, r.Award.ExpiresAt, r.RenewalWindowDays, now),
                ExpiresAt = r.Award.ExpiresAt,
            })
            .ToLookup(h => h.StudentId);
    }
}
