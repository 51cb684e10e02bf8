using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Features.Notifications;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

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
            drafts.AddRange(await awards.DraftsAsync(WebhookEventTypes.AwardRenewed, db.Awards.Where(a => EF.Parameter(awardIds).Contains(a.Id)), id =>
                renewals[id].Count <= index ? null
                : (WebhookEvent.IdFor(WebhookEventTypes.AwardRenewed, renewals[id][index].CredentialId.ToString()), renewals[id][index].RenewedAt,
                    renewals[id][index].CredentialId, renewals[id][index].RenewedAt, renewals[id][index].ValidUntil,
                    new Dictionary<string, object?> { ["previousCredentialId"] = renewals[id][index].PreviousCredentialId, ["renewedAt"] = OpenBadgesDocuments.Timestamp(renewals[id][index].RenewedAt) }),
                cancellationToken));
        }
        await recorder.RecordAsync(WebhookEventTypes.AwardRenewed, drafts, cancellationToken);
    }
}
