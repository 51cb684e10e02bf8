using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;
using Rosette.Domain.Users;

namespace Rosette.Data;

/// <summary>What a delivery needs sent: the award, its student, the badge's template, the organization's language, the provider.</summary>
public sealed record DeliveryContext(Award Award, User Student, string? BadgeTemplateId, string? Language, BadgeProvider Provider);

/// <summary>
/// The provider deliveries the dispatcher claims, reads and records. A claim marks due deliveries with a round's token
/// until a time; only that round sends them, and a crashed round's claims pass to another once they run out.
/// </summary>
public sealed class DeliveryStore(RosetteDb db)
{
    /// <summary>
    /// Claims up to <paramref name="batchSize"/> due deliveries (<see cref="ProviderDelivery.DueStatuses"/>) whose time has
    /// come and that no live claim holds, oldest first. A claim changes the concurrency token: a round that loaded a delivery
    /// before another round claimed it cannot save over it.
    /// </summary>
    public async Task<List<Guid>> ClaimAsync(string token, DateTime now, DateTime until, int batchSize, CancellationToken cancellationToken)
    {
        var d = db.Mapped<ProviderDelivery>();
        var due = ProviderDelivery.DueStatuses.Select(s => d.ToProvider(x => x.Status, s)!).ToArray();
        var key = d[x => x.AwardId];
        var version = d[x => x.Version];
        var candidates = $$"""
            SELECT {{key}} FROM {{d.Name}}
            WHERE {{d[x => x.Status]}} IN ({{string.Join(", ", due.Select((_, i) => $"{{{i + 4}}}"))}}) AND {{d[x => x.NextAttemptAt]}} <= {2}
                AND ({{d[x => x.ClaimedUntil]}} IS NULL OR {{d[x => x.ClaimedUntil]}} < {2})
            ORDER BY {{d[x => x.NextAttemptAt]}} LIMIT {3}{{db.SkipLocked()}}
            """;
        object[] parameters = [token, until, now, batchSize, .. due];
        if (!await db.MayClaimAsync(candidates, parameters, cancellationToken))
        {
            return [];
        }
        var sql = $$"""
            UPDATE {{d.Name}} SET {{d[x => x.ClaimedBy]}} = {0}, {{d[x => x.ClaimedUntil]}} = {1}, {{version}} = {{version}} + 1
            WHERE {{key}} IN ({{candidates}})
            RETURNING {{key}}
            """;
        return await db.Database.SqlQueryRaw<Guid>(sql, parameters).ToListAsync(cancellationToken);
    }

    /// <summary>The deliveries that are still this claim's, tracked.</summary>
    public Task<List<ProviderDelivery>> LoadClaimedAsync(DeliveryClaim claim, CancellationToken cancellationToken)
    {
        var ids = claim.Held();
        return db.ProviderDeliveries.Where(d => ids.Contains(d.AwardId) && d.ClaimedBy == claim.Token).ToListAsync(cancellationToken);
    }

    public async Task<Dictionary<Guid, DeliveryContext>> LoadContextsAsync(List<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await (
            from d in db.ProviderDeliveries.AsNoTracking()
            where ids.Contains(d.AwardId)
            join a in db.Awards on d.AwardId equals a.Id
            join s in db.Users on a.StudentId equals s.Id
            join b in db.Badges on a.BadgeId equals b.Id
            join o in db.Organizations on b.OrganizationId equals o.Id
            join p in db.BadgeProviders on d.ProviderId equals p.Id
            select new DeliveryContext(a, s, b.ProviderTemplateId, o.Language, p))
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Award.Id);
    }

    /// <summary>The requests an attempt made, saved with its verdict.</summary>
    public void AddAttempts(IEnumerable<DeliveryAttempt> log) => db.DeliveryAttempts.AddRange(log);

    /// <summary>
    /// Extends the claim to <paramref name="until"/> (never shortening it: of two renewals of one round, the one written last
    /// cannot undo the other). Deliveries the write did not reach were taken by another round: the claim drops them.
    /// </summary>
    public async Task RenewAsync(DeliveryClaim claim, DateTime until, CancellationToken cancellationToken)
    {
        var ids = claim.Held();
        var mine = db.ProviderDeliveries.Where(d => ids.Contains(d.AwardId) && d.ClaimedBy == claim.Token);
        var renewed = await mine.ExecuteUpdateAsync(u => u.SetProperty(d => d.ClaimedUntil, d => d.ClaimedUntil > until ? d.ClaimedUntil : until), cancellationToken);
        if (renewed < ids.Count)
        {
            // No one gives a claim back to this round's token: what it holds now, it held when the update ran.
            claim.Keep(await mine.Select(d => d.AwardId).ToListAsync(cancellationToken));
        }
        claim.Extend(until);
    }

    /// <summary>
    /// Saves; when another change to a delivery came first, reads it again and, if the claim still holds it, applies the
    /// round's change on top (a revocation meanwhile). Returns the deliveries whose claim passed to another round.
    /// </summary>
    public async Task<HashSet<Guid>> SaveAsync(DeliveryClaim claim, Dictionary<Guid, Action<ProviderDelivery>> reapply, CancellationToken cancellationToken)
    {
        var lost = new HashSet<Guid>();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return lost;
            }
            catch (DbUpdateConcurrencyException conflict) when (attempt < 5)
            {
                foreach (var entry in conflict.Entries)
                {
                    await entry.ReloadAsync(cancellationToken);
                    if (entry.Entity is not ProviderDelivery fresh || !reapply.TryGetValue(fresh.AwardId, out var change))
                    {
                        continue;
                    }
                    if (fresh.ClaimedBy == claim.Token)
                    {
                        change(fresh);
                    }
                    else
                    {
                        lost.Add(fresh.AwardId);
                    }
                }
            }
        }
    }
}

/// <summary>What one round holds: the deliveries still claimed under its token, and until when (the latest ClaimedUntil it wrote).</summary>
public sealed class DeliveryClaim(string token, IEnumerable<Guid> ids, DateTime until)
{
    private readonly HashSet<Guid> _held = [.. ids];
    private long _until = until.Ticks;

    public string Token => token;

    public DateTime Until => new(Interlocked.Read(ref _until), DateTimeKind.Utc);

    public void Extend(DateTime to)
    {
        for (var seen = Interlocked.Read(ref _until); seen < to.Ticks;)
        {
            var was = Interlocked.CompareExchange(ref _until, to.Ticks, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    public List<Guid> Held()
    {
        lock (_held)
        {
            return [.. _held];
        }
    }

    public bool Holds(Guid id)
    {
        lock (_held)
        {
            return _held.Contains(id);
        }
    }

    /// <summary>Keeps only these of the deliveries held.</summary>
    public void Keep(IEnumerable<Guid> stillHeld)
    {
        lock (_held)
        {
            _held.IntersectWith(stillHeld);
        }
    }
}
