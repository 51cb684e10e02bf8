using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Webhooks;

namespace Rosette.Data;

/// <summary>The webhook deliveries the dispatcher claims: a claim marks them with the round's token until a time.</summary>
public sealed class WebhookStore(RosetteDb db)
{
    /// <summary>
    /// Claims up to <paramref name="batchSize"/> pending deliveries to enabled endpoints whose time has come and that no live
    /// claim holds, earliest attempt first; each only when it is the earliest pending delivery of its subject to its endpoint
    /// (by the event's time, then by id), so that the events of one subject arrive in order.
    /// </summary>
    public async Task<List<long>> ClaimAsync(string token, DateTime now, DateTime until, int batchSize, CancellationToken cancellationToken)
    {
        var w = db.Mapped<WebhookDelivery>();
        var e = db.Mapped<WebhookEndpoint>();
        var v = db.Mapped<WebhookEvent>();
        var (id, status, endpointId, eventId) = (w[x => x.Id], w[x => x.Status], w[x => x.EndpointId], w[x => x.EventId]);
        var candidates = $$"""
            SELECT d.{{id}} FROM {{w.Name}} d
            JOIN {{e.Name}} e ON e.{{e[x => x.Id]}} = d.{{endpointId}}
            JOIN {{v.Name}} v ON v.{{v[x => x.Id]}} = d.{{eventId}}
            WHERE d.{{status}} = {4} AND d.{{w[x => x.NextAttemptAt]}} <= {2}
              AND (d.{{w[x => x.ClaimedUntil]}} IS NULL OR d.{{w[x => x.ClaimedUntil]}} < {2}) AND e.{{e[x => x.IsEnabled]}}
              AND NOT EXISTS (
                SELECT 1 FROM {{w.Name}} p JOIN {{v.Name}} pv ON pv.{{v[x => x.Id]}} = p.{{eventId}}
                WHERE p.{{endpointId}} = d.{{endpointId}} AND p.{{w[x => x.SubjectId]}} = d.{{w[x => x.SubjectId]}} AND p.{{status}} = {4}
                  AND (pv.{{v[x => x.OccurredAt]}} < v.{{v[x => x.OccurredAt]}} OR (pv.{{v[x => x.OccurredAt]}} = v.{{v[x => x.OccurredAt]}} AND p.{{id}} < d.{{id}})))
            ORDER BY d.{{w[x => x.NextAttemptAt]}}, d.{{id}} LIMIT {3}{{db.SkipLocked(of: "d")}}
            """;
        object[] parameters = [token, until, now, batchSize, w.ToProvider(x => x.Status, WebhookDeliveryStatus.Pending)!];
        if (!await db.MayClaimAsync(candidates, parameters, cancellationToken))
        {
            return [];
        }
        var sql = $$"""
            UPDATE {{w.Name}} SET {{w[x => x.ClaimedBy]}} = {0}, {{w[x => x.ClaimedUntil]}} = {1}
            WHERE {{id}} IN ({{candidates}})
            RETURNING {{id}}
            """;
        return await db.Database.SqlQueryRaw<long>(sql, parameters).ToListAsync(cancellationToken);
    }

    /// <summary>The deliveries that are still this claim's, tracked.</summary>
    public Task<List<WebhookDelivery>> LoadClaimedAsync(string token, List<long> ids, CancellationToken cancellationToken) =>
        db.WebhookDeliveries.Where(d => ids.Contains(d.Id) && d.ClaimedBy == token).ToListAsync(cancellationToken);
}
