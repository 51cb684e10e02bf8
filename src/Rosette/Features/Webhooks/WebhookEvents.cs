using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Notifications;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Features.Notifications;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>An event to record: its id, organization (and that organization's path, to match endpoints' subtrees), subject and body.</summary>
public sealed record EventDraft(Guid Id, Guid OrganizationId, string OrganizationPath, Guid SubjectId, DateTime OccurredAt, object Data);

/// <summary>
/// Records events and their deliveries for the endpoints that want them: enabled endpoints asking for the event's type whose
/// organization is the event's or one above it (a subtree never receives another's events). Nothing is recorded when no
/// endpoint wants an event. Events have ids derived from what they are about and deliveries are unique per endpoint and
/// event, so recording the same events again (an outbox retry) adds nothing. Bodies carry public ids and URLs only.
/// </summary>
public sealed class WebhookEventRecorder(RosetteDb db, WebhookSignal signal, TimeProvider clock)
{
    private const int Chunk = 5000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<int> RecordAsync(string type, IReadOnlyList<EventDraft> drafts, CancellationToken cancellationToken)
    {
        if (drafts.Count == 0)
        {
            return 0;
        }
        var endpoints = await (from e in db.WebhookEndpoints.AsNoTracking()
                               where e.IsEnabled
                               join o in db.Organizations on e.OrganizationId equals o.Id
                               select new { e.Id, e.Events, o.Path }).ToListAsync(cancellationToken);
        var wanting = endpoints.Where(e => e.Events.Contains(type)).ToList();
        if (wanting.Count == 0)
        {
            return 0;
        }
        var now = clock.UtcNowSeconds();
        var recorded = 0;
        foreach (var chunk in drafts.Chunk(Chunk))
        {
            var events = new List<WebhookEvent>(chunk.Length);
            var deliveries = new List<WebhookDelivery>(chunk.Length);
            foreach (var draft in chunk)
            {
                var receivers = wanting.Where(e => draft.OrganizationPath.StartsWith(e.Path, StringComparison.Ordinal)).ToList();
                if (receivers.Count == 0)
                {
                    continue;
                }
                var body = JsonSerializer.Serialize(new { id = draft.Id, type, timestamp = OpenBadgesDocuments.Timestamp(draft.OccurredAt), data = draft.Data }, Json);
                var webhookEvent = WebhookEvent.Create(draft.Id, type, draft.OrganizationId, draft.SubjectId, draft.OccurredAt, body);
                events.Add(webhookEvent);
                deliveries.AddRange(receivers.Select(r => WebhookDelivery.Create(r.Id, webhookEvent, now)));
            }
            if (events.Count == 0)
            {
                continue;
            }
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.InsertAsync(events, ignoreConflicts: true, e => e.Id, cancellationToken);
            recorded += (await db.InsertAsync(deliveries, ignoreConflicts: true, d => d.Id, cancellationToken)).Count;
            await transaction.CommitAsync(cancellationToken);
        }
        if (recorded > 0)
        {
            signal.Notify();
        }
        return recorded;
    }
}

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

/// <summary>award.issued, and batch.completed for issuance requests.</summary>
public sealed class AwardsIssuedWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardsIssued;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var issued = message.Read<AwardsIssued>();
        var ids = issued.AwardIds ?? [];
        var query = issued.BatchId is { } batchId ? db.Awards.Where(a => a.BatchId == batchId) : db.Awards.Where(a => ids.Contains(a.Id));
        var drafts = await awards.DraftsAsync(WebhookEventTypes.AwardIssued, query, id => (WebhookEvent.IdFor(WebhookEventTypes.AwardIssued, id.ToString()), message.CreatedAt, id, default, null, null), cancellationToken);
        // The first credential: its id is the award's, its validity the award's first (renewals have events of their own).
        drafts = await FirstCredentialAsync(drafts, cancellationToken);
        await recorder.RecordAsync(WebhookEventTypes.AwardIssued, drafts, cancellationToken);
    }

    private async Task<List<EventDraft>> FirstCredentialAsync(List<EventDraft> drafts, CancellationToken cancellationToken)
    {
        var ids = drafts.Select(d => d.SubjectId).ToList();
        var first = await db.Awards.AsNoTracking().Where(a => ids.Contains(a.Id))
            .Select(a => new
            {
                a.Id, a.IssuedAt,
                ExpiresAt = db.AwardRenewals.Where(r => r.PreviousCredentialId == a.Id).Select(r => r.PreviousValidUntil).FirstOrDefault() ?? a.ExpiresAt,
            })
            .ToDictionaryAsync(a => a.Id, cancellationToken);
        foreach (var draft in drafts)
        {
            var data = (Dictionary<string, object?>)draft.Data;
            data["validFrom"] = OpenBadgesDocuments.Timestamp(first[draft.SubjectId].IssuedAt);
            data["validUntil"] = first[draft.SubjectId].ExpiresAt is { } until ? OpenBadgesDocuments.Timestamp(until) : null;
        }
        return drafts;
    }
}

public sealed class AwardRevokedWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardRevoked;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var revoked = message.Read<AwardRevoked>();
        var award = await db.Awards.AsNoTracking().SingleAsync(a => a.Id == revoked.AwardId, cancellationToken);
        var drafts = await awards.DraftsAsync(WebhookEventTypes.AwardRevoked, db.Awards.Where(a => a.Id == revoked.AwardId),
            _ => AwardEvents.Current(WebhookEventTypes.AwardRevoked, award, award.RevokedAt ?? message.CreatedAt,
                new Dictionary<string, object?> { ["revokedAt"] = award.RevokedAt is { } at ? OpenBadgesDocuments.Timestamp(at) : null }), cancellationToken);
        await recorder.RecordAsync(WebhookEventTypes.AwardRevoked, drafts, cancellationToken);
    }
}

public sealed class AwardsRenewedWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardsRenewed;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var renewals = (await AwardsRenewedMailHandler.RenewalsAsync(db, message.Read<AwardsRenewed>(), cancellationToken))
            .GroupBy(r => r.AwardId).ToDictionary(g => g.Key, g => g.OrderBy(r => r.RenewedAt).ToList());
        var awardIds = renewals.Keys.ToList();
        var drafts = new List<EventDraft>();
        // An award renewed twice before this ran gets one event per renewal, each with that renewal's credential.
        for (var round = 0; renewals.Values.Any(list => list.Count > round); round++)
        {
            var index = round;
            drafts.AddRange(await awards.DraftsAsync(WebhookEventTypes.AwardRenewed, db.Awards.Where(a => awardIds.Contains(a.Id)), id =>
                renewals[id].Count <= index ? null
                : (WebhookEvent.IdFor(WebhookEventTypes.AwardRenewed, renewals[id][index].CredentialId.ToString()), renewals[id][index].RenewedAt,
                    renewals[id][index].CredentialId, renewals[id][index].RenewedAt, renewals[id][index].ValidUntil,
                    new Dictionary<string, object?> { ["previousCredentialId"] = renewals[id][index].PreviousCredentialId, ["renewedAt"] = OpenBadgesDocuments.Timestamp(renewals[id][index].RenewedAt) }),
                cancellationToken));
        }
        await recorder.RecordAsync(WebhookEventTypes.AwardRenewed, drafts, cancellationToken);
    }
}

/// <summary>award.expiring (N days before) and award.expired, from the notices the expiry scheduler recorded.</summary>
public sealed class CredentialsDueWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.CredentialsDue;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var due = message.Read<CredentialsDue>().Notices;
        var credentialIds = due.Select(n => n.CredentialId).ToList();
        var notices = await db.CredentialNotices.AsNoTracking().Where(n => credentialIds.Contains(n.CredentialId)).ToListAsync(cancellationToken);
        var byAward = notices.Where(n => due.Contains(new DueNotice(n.CredentialId, n.Kind))).GroupBy(n => n.AwardId).ToDictionary(g => g.Key, g => g.First());
        var awardIds = byAward.Keys.ToList();
        foreach (var expired in new[] { true, false })
        {
            var type = expired ? WebhookEventTypes.AwardExpired : WebhookEventTypes.AwardExpiring;
            var drafts = await awards.DraftsAsync(type, db.Awards.Where(a => awardIds.Contains(a.Id)), id =>
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

/// <summary>batch.completed: an issuance request's counts, once it is written.</summary>
public sealed class BatchCompletedWebhooks(RosetteDb db, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.BatchCompleted;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var batchId = message.Read<BatchCompleted>().BatchId;
        var batch = await (from b in db.IssuanceBatches.AsNoTracking()
                           where b.Id == batchId
                           let organizationId = b.ClassId != null
                               ? db.Classes.Where(c => c.Id == b.ClassId).Select(c => c.OrganizationId).FirstOrDefault()
                               : db.CourseAssignments.Where(a => a.Id == b.CourseAssignmentId).Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => c.OrganizationId).FirstOrDefault()
                           join o in db.Organizations on organizationId equals o.Id
                           select new { Batch = b, o.Id, o.Path }).SingleOrDefaultAsync(cancellationToken);
        if (batch is null)
        {
            return;
        }
        var written = batch.Batch;
        var data = new Dictionary<string, object?>
        {
            ["batchId"] = written.Id, ["organizationId"] = batch.Id, ["classId"] = written.ClassId, ["courseAssignmentId"] = written.CourseAssignmentId,
            ["source"] = written.Source.ToString(), ["issued"] = written.IssuedCount, ["renewed"] = written.RenewedCount, ["failed"] = written.FailedCount,
        };
        await recorder.RecordAsync(WebhookEventTypes.BatchCompleted,
            [new EventDraft(WebhookEvent.IdFor(WebhookEventTypes.BatchCompleted, written.Id.ToString()), batch.Id, batch.Path, written.Id, written.CreatedAt, data)], cancellationToken);
    }
}

/// <summary>achievement.earned: each earning, in the achievement's organization.</summary>
public sealed class AchievementsEarnedWebhooks(RosetteDb db, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AchievementsEarned;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var ids = message.Read<AchievementsEarned>().EarningIds;
        var rows = await (from e in db.AchievementAwards.AsNoTracking()
                          where ids.Contains(e.Id)
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
