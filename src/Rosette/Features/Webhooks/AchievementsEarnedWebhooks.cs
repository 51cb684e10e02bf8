using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>achievement.earned: each earning, in the achievement's organization.</summary>
public sealed class AchievementsEarnedWebhooks(RosetteDb db, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AchievementsEarned;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var ids = message.Read<AchievementsEarned>().EarningIds;
        var rows = await (from e in db.AchievementAwards.AsNoTracking()
                          where EF.Parameter(ids).Contains(e.Id)
                          join a in db.Achievements on e.AchievementId equals a.Id
                          join o in db.Organizations on a.OrganizationId equals o.Id
                          select new { e.Id, e.AchievementId, e.UserId, e.EarnedAt, e.Ordinal, e.Points, e.BadgeAwardId, a.OrganizationId, o.Path }).ToListAsync(cancellationToken);
        var drafts = rows.Select(r => new EventDraft(WebhookEvent.IdFor(WebhookEventTypes.AchievementEarned, r.Id.ToString()), r.OrganizationId, r.Path, r.Id, r.EarnedAt,
            new Dictionary<string, object?>
            {
                ["earningId"] = r.Id, ["achievementId"] = r.AchievementId, ["organizationId"] = r.OrganizationId, ["studentId"] = r.UserId,
                ["earnedAt"] = OpenBadgesDocuments.Timestamp(r.EarnedAt), ["ordinal"] = r.Ordinal, ["points"] = r.Points, ["awardId"] = r.BadgeAwardId,
            })).ToList();
        await recorder.RecordAsync(WebhookEventTypes.AchievementEarned, drafts, cancellationToken);
    }
}
