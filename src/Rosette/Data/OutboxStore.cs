using Microsoft.EntityFrameworkCore;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Data;

/// <summary>
/// The outbox messages the dispatcher claims and settles. A claim marks due messages with the claimant until a time; a
/// crashed instance's claims run out and pass to another.
/// </summary>
public sealed class OutboxStore(RosetteDb db)
{
    /// <summary>Claims up to <paramref name="batchSize"/> unprocessed messages that are due and that no live claim holds, earliest due first.</summary>
    public async Task<List<OutboxMessage>> ClaimAsync(string claimant, DateTime now, DateTime until, int batchSize, CancellationToken cancellationToken)
    {
        var m = db.Mapped<OutboxMessage>();
        var key = m[x => x.Id];
        var candidates = $$"""
            SELECT {{key}} FROM {{m.Name}}
            WHERE {{m[x => x.ProcessedAt]}} IS NULL AND {{m[x => x.DueAt]}} <= {2} AND ({{m[x => x.ClaimedUntil]}} IS NULL OR {{m[x => x.ClaimedUntil]}} < {2})
            ORDER BY {{m[x => x.DueAt]}} LIMIT {3}{{db.SkipLocked()}}
            """;
        object[] parameters = [claimant, until, now, batchSize];
        if (!await db.MayClaimAsync(candidates, parameters, cancellationToken))
        {
            return [];
        }
        var sql = $$"""
            UPDATE {{m.Name}} SET {{m[x => x.ClaimedBy]}} = {0}, {{m[x => x.ClaimedUntil]}} = {1}
            WHERE {{key}} IN ({{candidates}})
            RETURNING *
            """;
        return await db.OutboxMessages.FromSqlRaw(sql, parameters).AsNoTracking().ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Records an attempt and gives the claim up: processed at <paramref name="processedAt"/>, or due again at
    /// <paramref name="dueAt"/>. Changes nothing when the claim has passed to another instance.
    /// </summary>
    public Task<int> SettleAsync(OutboxMessage message, string claimant, int attempts, DateTime? processedAt, DateTime dueAt, string? lastError, CancellationToken cancellationToken) =>
        db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimedBy == claimant).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.ProcessedAt, processedAt)
            .SetProperty(m => m.Attempts, attempts)
            .SetProperty(m => m.DueAt, dueAt)
            .SetProperty(m => m.LastError, lastError)
            .SetProperty(m => m.ClaimedBy, (string?)null)
            .SetProperty(m => m.ClaimedUntil, (DateTime?)null), cancellationToken);
}
