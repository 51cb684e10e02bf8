using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;

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
