using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Notifications;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>award.expiring (N days before) and award.expired, from the notices the expiry scheduler recorded.</summary>
public sealed class CredentialsDueWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.CredentialsDue;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var due = message.Read<CredentialsDue>().Notices;
        var credentialIds = due.Select(n => n.CredentialId).ToList();
        var notices = await db.CredentialNotices.AsNoTracking().Where(n => EF.Parameter(credentialIds).Contains(n.CredentialId)).ToListAsync(cancellationToken);
        var byAward = notices.Where(n => due.Contains(new DueNotice(n.CredentialId, n.Kind))).GroupBy(n => n.AwardId).ToDictionary(g => g.Key, g => g.First());
        var awardIds = byAward.Keys.ToList();
        foreach (var expired in new[] { true, false })
        {
            var type = expired ? WebhookEventTypes.AwardExpired : WebhookEventTypes.AwardExpiring;
            var drafts = await awards.DraftsAsync(type, db.Awards.Where(a => EF.Parameter(awardIds).Contains(a.Id)), id =>
            {
                var notice = byAward[id];
                if ((notice.Kind == CredentialNotice.Expired) != expired || notice.CredentialId == Guid.Empty)
                {
                    return null;
                }
                var days = CredentialNotice.DaysOf(notice.Kind) ?? 0;
                return (WebhookEvent.IdFor(type, $"{notice.CredentialId}/{notice.Kind}"), notice.DueAt, notice.CredentialId, default, notice.DueAt.AddDays(days),
                    new Dictionary<string, object?> { ["daysBeforeExpiry"] = days });
            }, cancellationToken);
            foreach (var draft in drafts)
            {
                // The credential may have been renewed since: the body names the one that expires, not the current one.
                ((Dictionary<string, object?>)draft.Data).Remove("validFrom");
            }
            await recorder.RecordAsync(type, drafts, cancellationToken);
        }
    }
}
