using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Issuance;
using Rosette.Features.Audit;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Issuance;

/// <summary>
/// A decided pair: an award to write, a renewal of the award the student holds, or the reason it fails (with the award when a
/// renewal of it failed).
/// </summary>
public sealed record PairDecision(Guid BadgeId, Guid StudentId, Award? Award, Error? Failure, AwardRenewal? Renewal = null, Guid? AwardId = null);

/// <summary>Where a batch was issued, for its audit entry: the organization that owns it and words such as "in class 'Networking'".</summary>
public sealed record BatchPlace(Guid OrganizationId, string Description);

/// <summary>
/// Writes decided pairs in one transaction: the batch, the awards (set-based, first as decided; when the earn-once index
/// refuses one, because another request issued that pair meanwhile, the transaction is written again with the index
/// skipping such pairs, which then report already_earned), the renewals (set-based; the renewal's key, the
/// credential it supersedes, lets one of concurrent renewals of an award win, the others report already_earned), the
/// failures, the outbox messages that mail, badge providers and webhooks follow, and one audit entry with the batch's
/// counts. Every pair reported as issued or renewed is committed before this returns.
/// </summary>
public sealed class AwardIssuer(RosetteDb db, OutboxSignal outbox, DeliverySignal deliveries, AuditLog audit, RosetteMetrics metrics, TimeProvider clock)
{
    private const int MaxAttempts = 3;

    /// <summary>
    /// Writes the batch; null when another request with the same idempotency key stored its batch first.
    /// <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) is when the request began, for the batch duration metric.
    /// </summary>
    public async Task<IssueBadgesResult?> WriteAsync(
        IssuanceBatch batch, IReadOnlyList<PairDecision> decisions, BatchPlace place, long startedAt, CancellationToken cancellationToken)
    {
        // Canonical order: concurrent batches lock overlapping rows in the same order, so they cannot deadlock.
        var awards = InCanonicalOrder(decisions.Where(d => d.Award is not null).Select(d => d.Award!).ToList(), a => (a.BadgeId, a.StudentId));
        // Ids ascending in that order: each index on the id takes the batch as one run at its end (decision 0031).
        Award.NumberInOrder(awards);
        var renewals = InCanonicalOrder(decisions.Where(d => d.Renewal is not null).Select(d => d.Renewal!).ToList(), r => (r.BadgeId, r.StudentId));
        // The pairs were decided against the awards held, so the earn-once index refuses none unless another request issued
        // one meanwhile. Written without ON CONFLICT, the awards go in PostgreSQL's binary COPY (and on SQLite without
        // RETURNING); a refusal rolls the transaction back, and it is written again with conflicts skipped and reported.
        var skipConflicts = false;
        var result = await db.RetryTransientAsync(MaxAttempts, async () =>
        {
            try
            {
                return await WriteOnceAsync(batch, decisions, awards, renewals, place, skipConflicts, cancellationToken);
            }
            catch (Exception e) when (!skipConflicts && IsEarnOnceViolation(e))
            {
                db.ChangeTracker.Clear();
                skipConflicts = true;
                return await WriteOnceAsync(batch, decisions, awards, renewals, place, skipConflicts, cancellationToken);
            }
        });
        if (result is not null)
        {
            metrics.Issued(batch.Source, result.Issued.Count);
            metrics.Batch(batch.Source, decisions.Count, Stopwatch.GetElapsedTime(startedAt));
        }
        return result;
    }

    /// <summary>
    /// The rows in (badge, student) order. Decisions made over badges and students each listed in that order (as the roster
    /// handler lists them) are in it already: that is checked in one pass, and only rows out of order are sorted.
    /// </summary>
    internal static List<T> InCanonicalOrder<T>(List<T> rows, Func<T, (Guid BadgeId, Guid StudentId)> pair)
    {
        for (var i = 1; i < rows.Count; i++)
        {
            if (pair(rows[i - 1]).CompareTo(pair(rows[i])) >= 0)
            {
                return rows.OrderBy(pair).ToList();
            }
        }
        return rows;
    }

    private async Task<IssueBadgesResult?> WriteOnceAsync(
        IssuanceBatch batch, IReadOnlyList<PairDecision> decisions, List<Award> awards, List<AwardRenewal> renewals, BatchPlace place,
        bool skipConflicts, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.IssuanceBatches.Add(batch);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (batch.IdempotencyKey is not null && e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return null;
        }
        var inserted = await db.InsertAsync(awards, ignoreConflicts: skipConflicts, a => a.Id, cancellationToken);
        // Written without skipping conflicts, every award went in (a refusal throws).
        var issuedAwards = skipConflicts ? awards.Where(a => inserted.Contains(a.Id)).ToList() : awards;
        var delivering = await db.CreateForAsync(issuedAwards, batch.CreatedAt, cancellationToken);
        var failures = decisions.Where(d => d.Failure is not null)
            .Select(d => IssuanceFailure.Create(batch.Id, d.BadgeId, d.StudentId, d.Failure!, d.AwardId)).ToList();
        var lost = skipConflicts ? awards.Where(a => !inserted.Contains(a.Id)).Select(a => (a.BadgeId, a.StudentId, (Guid?)null)).ToList() : [];
        var (renewed, lostRenewals, revoked) = await db.WriteRenewalsAsync(renewals, batch.CreatedAt, cancellationToken);
        lost.AddRange(lostRenewals.Select(r => (r.BadgeId, r.StudentId, (Guid?)r.AwardId)));
        if (lost.Count > 0)
        {
            var earned = await AlreadyEarnedAsync(lost.Select(p => (p.BadgeId, p.StudentId)).ToList(), cancellationToken);
            failures.AddRange(earned.Zip(lost, (f, p) => IssuanceFailure.Create(batch.Id, f.BadgeId, f.StudentId, f.Error, p.Item3)));
        }
        failures.AddRange(revoked.Select(r => IssuanceFailure.Create(batch.Id, r.BadgeId, r.StudentId, IssuanceErrors.AwardRevoked(r.AwardId), r.AwardId)));
        await db.InsertAsync(failures, ignoreConflicts: false, f => f.Id, cancellationToken);
        batch.Record(inserted.Count, failures.Count, renewed.Count);
        // One entry per batch, with its counts: the awards and failures themselves are rows of their own already.
        audit.Record(batch.ApiKeyId ?? batch.IssuedById, AuditKind.BadgesIssued, place.OrganizationId, batch.Id,
            $"Issued {inserted.Count} of {decisions.Count} badge-student pairs {place.Description}"
                + (renewed.Count > 0 ? $", renewed {renewed.Count}" : "") + (failures.Count > 0 ? $" ({failures.Count} failed)" : ""),
            new { batchId = batch.Id, badges = batch.BadgeCount, students = batch.StudentCount, issued = inserted.Count, renewed = renewed.Count, failed = failures.Count });
        var now = clock.GetUtcNow().UtcDateTime;
        if (inserted.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsIssued, new AwardsIssued(batch.Id, null, batch.SuppressNotifications), now);
        }
        if (renewed.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsRenewed, new AwardsRenewed(batch.Id, null, batch.SuppressNotifications), now);
        }
        db.Publish(OutboxTopics.BatchCompleted, new BatchCompleted(batch.Id), now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
        if (delivering > 0 || renewed.Count > 0)
        {
            deliveries.Notify();
        }
        var issued = issuedAwards.Select(a => new IssuedPair(a.BadgeId, a.StudentId, a.Id, a.IssuedAt)).ToList();
        var failed = failures.Select(FailedPair.From).ToList();
        return new IssueBadgesResult(batch.Id, issued, failed, IssueBadgesResult.WarningFor(failed.Count))
        {
            Renewed = renewed.Select(r => new RenewedPair(r.BadgeId, r.StudentId, r.AwardId, r.CredentialId, r.RenewedAt, r.ValidUntil)).ToList(),
        };
    }

    /// <summary>Pairs whose award another request issued or renewed a moment ago: already_earned, with the award as it now stands.</summary>
    private async Task<List<(Guid BadgeId, Guid StudentId, Error Error)>> AlreadyEarnedAsync(List<(Guid BadgeId, Guid StudentId)> lost, CancellationToken cancellationToken)
    {
        var badgeIds = lost.Select(a => a.BadgeId).Distinct().ToList();
        var studentIds = lost.Select(a => a.StudentId).Distinct().ToList();
        var held = await (from a in db.Awards.AsNoTracking()
                          where a.RevokedAt == null && badgeIds.Contains(a.BadgeId) && studentIds.Contains(a.StudentId)
                          join b in db.Badges on a.BadgeId equals b.Id
                          select new { a.BadgeId, a.StudentId, a.IssuedAt, a.ExpiresAt, b.RenewalWindowDays })
            .ToDictionaryAsync(a => (a.BadgeId, a.StudentId), cancellationToken);
        var now = clock.UtcNowSeconds();
        return lost.Select(p => (p.BadgeId, p.StudentId, held.TryGetValue(p, out var a)
            ? IssuanceErrors.AlreadyEarned(a.IssuedAt, a.ExpiresAt, a.RenewalWindowDays)
            : IssuanceErrors.AlreadyEarned(now))).ToList();
    }

    /// <summary>
    /// Automatic issuance (achievements): inside the caller's transaction, inserts an award (source achievement, no
    /// issuing user) for each pair the student does not hold yet, renews the awards held that have expired or are within
    /// their badge's renewal window, and adds the outbox messages to the unit of work; the caller's SaveChanges and commit
    /// make all of it durable. Pairs held and not renewable are skipped silently (earn once). Returns the awards issued or
    /// renewed.
    /// </summary>
    public async Task<IReadOnlyList<(Guid BadgeId, Guid StudentId, Guid AwardId)>> IssueAutomaticallyAsync(
        IReadOnlyCollection<(Guid BadgeId, Guid StudentId)> pairs, CancellationToken cancellationToken)
    {
        if (pairs.Count == 0)
        {
            return [];
        }
        var badgeIds = pairs.Select(p => p.BadgeId).Distinct().ToList();
        var studentIds = pairs.Select(p => p.StudentId).Distinct().ToList();
        var badges = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, cancellationToken);
        var held = await db.HeldAwardsAsync(badgeIds, studentIds, cancellationToken);
        var now = clock.UtcNowSeconds();
        var wanted = pairs.Distinct().Where(p => badges.ContainsKey(p.BadgeId)).OrderBy(p => p.BadgeId).ThenBy(p => p.StudentId).ToList();
        var awards = wanted.Where(p => !held.ContainsKey(p))
            .Select(p => Award.Create(new AwardFacts(p.BadgeId, p.StudentId, now, AwardSource.Achievement) { ExpiresAt = badges[p.BadgeId].ExpiryFor(now) }))
            .ToList();
        Award.NumberInOrder(awards);
        var renewals = wanted.Where(p => held.TryGetValue(p, out var award) && RenewalRules.IsRenewable(award.ExpiresAt, badges[p.BadgeId].RenewalWindowDays, now))
            .Select(p => held[p].RenewalAt(now, badges[p.BadgeId].ValidityDays, null, AwardSource.Achievement, null)).ToList();
        var inserted = await db.InsertAsync(awards, ignoreConflicts: true, a => a.Id, cancellationToken);
        var issued = awards.Where(a => inserted.Contains(a.Id)).ToList();
        var (renewed, _, _) = await db.WriteRenewalsAsync(renewals, now, cancellationToken);
        if (issued.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsIssued, new AwardsIssued(null, issued.Select(a => a.Id).ToList(), false), now);
            await db.CreateForAsync(issued, now, cancellationToken);
        }
        if (renewed.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsRenewed, new AwardsRenewed(null, renewed.Select(r => r.CredentialId).ToList(), false), now);
        }
        var byOrganization = issued.Select(a => (a.BadgeId, Renewed: false)).Concat(renewed.Select(r => (r.BadgeId, Renewed: true)))
            .GroupBy(p => badges[p.BadgeId].OrganizationId);
        foreach (var inOrganization in byOrganization)
        {
            var renewedHere = inOrganization.Count(p => p.Renewed);
            audit.Record((Guid?)null, AuditKind.BadgesIssued, inOrganization.Key, null,
                $"Issued {inOrganization.Count() - renewedHere} awards automatically (achievements)" + (renewedHere > 0 ? $", renewed {renewedHere}" : ""),
                new { issued = inOrganization.Count() - renewedHere, renewed = renewedHere, badgeIds = inOrganization.Select(p => p.BadgeId).Distinct().Take(50) });
        }
        return [.. issued.Select(a => (a.BadgeId, a.StudentId, a.Id)), .. renewed.Select(r => (r.BadgeId, r.StudentId, r.AwardId))];
    }

    /// <summary>
    /// Call after committing work of <see cref="IssueAutomaticallyAsync"/> (<paramref name="issued"/> awards), so that this
    /// instance's dispatchers start at once.
    /// </summary>
    public void NotifyCommitted(int issued)
    {
        metrics.Issued(AwardSource.Achievement, issued);
        outbox.Notify();
        deliveries.Notify();
    }

    /// <summary>The earn-once index refused an award (SQLite does not name the index; no other unique index can refuse a new award).</summary>
    private static bool IsEarnOnceViolation(Exception e) =>
        DbErrors.IsUniqueViolation(e) && (e is not PostgresException pg || pg.ConstraintName == Data.Configurations.AwardConfiguration.EarnOnceIndex)
        || e.InnerException is { } inner && IsEarnOnceViolation(inner);
}
