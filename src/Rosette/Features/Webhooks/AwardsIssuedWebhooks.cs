using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>award.issued, and batch.completed for issuance requests.</summary>
/// <remarks>
/// Id lists are sent as one parameter (<c>EF.Parameter</c>): a 100,000-pair batch is one message, and one parameter per id
/// passes SQLite's and PostgreSQL's limits on a statement's parameters.
/// </remarks>
public sealed class AwardsIssuedWebhooks(RosetteDb db, AwardEvents awards, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardsIssued;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var issued = message.Read<AwardsIssued>();
        var ids = issued.AwardIds ?? [];
        var query = issued.BatchId is { } batchId ? db.Awards.Where(a => a.BatchId == batchId) : db.Awards.Where(a => EF.Parameter(ids).Contains(a.Id));
        var drafts = await awards.DraftsAsync(WebhookEventTypes.AwardIssued, query, id => (WebhookEvent.IdFor(WebhookEventTypes.AwardIssued, id.ToString()), message.CreatedAt, id, default, null, null), cancellationToken);
        // The first credential: its id is the award's, its validity the award's first (renewals have events of their own).
        drafts = await FirstCredentialAsync(drafts, cancellationToken);
        await recorder.RecordAsync(WebhookEventTypes.AwardIssued, drafts, cancellationToken);
    }

    private async Task<List<EventDraft>> FirstCredentialAsync(List<EventDraft> drafts, CancellationToken cancellationToken)
    {
        var ids = drafts.Select(d => d.SubjectId).ToList();
        var first = await db.Awards.AsNoTracking().Where(a => EF.Parameter(ids).Contains(a.Id))
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
