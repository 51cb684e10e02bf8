using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;

namespace Rosette.Features.Webhooks;

/// <summary>The award events: one body shape for issued, revoked, renewed, expiring and expired.</summary>
public sealed class AwardEvents(RosetteDb db, CredentialUrls urls)
{
    private sealed record Row(Guid AwardId, Guid? CredentialId, Guid BadgeId, Guid StudentId, Guid OrganizationId, string Path,
        DateTime IssuedAt, DateTime? RenewedAt, DateTime? ExpiresAt, DateTime? RevokedAt, Guid? BatchId);

    /// <summary>Events for awards, each with the moment and extra members that <paramref name="describe"/> gives (null: no event).</summary>
    public async Task<List<EventDraft>> DraftsAsync(
        string type, IQueryable<Domain.Issuance.Award> awards, Func<Guid, (Guid Id, DateTime At, Guid CredentialId, DateTime ValidFrom, DateTime? ValidUntil, object? Extra)?> describe,
        CancellationToken cancellationToken)
    {
        var rows = await (from a in awards.AsNoTracking()
                          join b in db.Badges on a.BadgeId equals b.Id
                          join o in db.Organizations on b.OrganizationId equals o.Id
                          select new Row(a.Id, a.CredentialId, a.BadgeId, a.StudentId, o.Id, o.Path, a.IssuedAt, a.RenewedAt, a.ExpiresAt, a.RevokedAt, a.BatchId))
            .ToListAsync(cancellationToken);
        var drafts = new List<EventDraft>(rows.Count);
        foreach (var row in rows)
        {
            if (describe(row.AwardId) is not { } what)
            {
                continue;
            }
            var data = new Dictionary<string, object?>
            {
                ["awardId"] = row.AwardId,
                ["credentialId"] = what.CredentialId,
                ["credentialUrl"] = urls.Page(what.CredentialId),
                ["credentialJwtUrl"] = urls.Jwt(what.CredentialId),
                ["badgeId"] = row.BadgeId,
                ["achievementUrl"] = urls.Achievement(row.BadgeId),
                ["organizationId"] = row.OrganizationId,
                ["studentId"] = row.StudentId,
                ["issuedAt"] = OpenBadgesDocuments.Timestamp(row.IssuedAt),
                ["validFrom"] = OpenBadgesDocuments.Timestamp(what.ValidFrom),
                ["validUntil"] = what.ValidUntil is { } until ? OpenBadgesDocuments.Timestamp(until) : null,
            };
            if (what.Extra is IReadOnlyDictionary<string, object?> extra)
            {
                foreach (var (key, value) in extra)
                {
                    data[key] = value;
                }
            }
            drafts.Add(new EventDraft(what.Id, row.OrganizationId, row.Path, row.AwardId, what.At, data));
        }
        return drafts;
    }

    public static (Guid, DateTime, Guid, DateTime, DateTime?, object?) Current(string type, Domain.Issuance.Award award, DateTime at, object? extra = null) =>
        (WebhookEvent.IdFor(type, award.Id.ToString()), at, award.CurrentCredentialId, award.ValidFrom, award.ExpiresAt, extra);
}
