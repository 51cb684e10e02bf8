using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

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
