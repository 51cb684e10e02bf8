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

/// <summary>A decided pair: an award to write, or the reason it fails.</summary>
public sealed record PairDecision(Guid BadgeId, Guid StudentId, Award? Award, Error? Failure);

/// <summary>Where a batch was issued, for its audit entry: the organization that owns it and words such as "in class 'Networking'".</summary>
public sealed record BatchPlace(Guid OrganizationId, string Description);

/// <summary>
/// Writes decided pairs in one transaction: the batch, the awards (set-based; the earn-once index skips any pair that
/// another request won meanwhile, which then reports already_earned), the failures, and the outbox message that
/// mail and badge providers follow, and one audit entry with the batch's counts. Every pair reported as issued is committed
/// before this returns.
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
        var awards = decisions.Where(d => d.Award is not null).Select(d => d.Award!)
            .OrderBy(a => a.BadgeId).ThenBy(a => a.StudentId).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await WriteOnceAsync(batch, decisions, awards, place, cancellationToken);
                if (result is not null)
                {
                    metrics.Issued(batch.Source, result.Issued.Count);
                    metrics.Batch(batch.Source, decisions.Count, Stopwatch.GetElapsedTime(startedAt));
                }
                return result;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<IssueBadgesResult?> WriteOnceAsync(
        IssuanceBatch batch, IReadOnlyList<PairDecision> decisions, List<Award> awards, BatchPlace place, CancellationToken cancellationToken)
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
        var inserted = await db.InsertAsync(awards, ignoreConflicts: true, a => a.Id, cancellationToken);
        var issuedAwards = awards.Where(a => inserted.Contains(a.Id)).ToList();
        var delivering = await db.CreateForAsync(issuedAwards, batch.CreatedAt, cancellationToken);
        var failures = decisions.Where(d => d.Failure is not null)
            .Select(d => IssuanceFailure.Create(batch.Id, d.BadgeId, d.StudentId, d.Failure!)).ToList();
        var lost = awards.Where(a => !inserted.Contains(a.Id)).ToList();
        if (lost.Count > 0)
        {
            failures.AddRange(await AlreadyEarnedAsync(batch.Id, lost, cancellationToken));
        }
        await db.InsertAsync(failures, ignoreConflicts: false, f => f.Id, cancellationToken);
        batch.Record(inserted.Count, failures.Count);
        // One entry per batch, with its counts: the awards and failures themselves are rows of their own already.
        audit.Record(batch.IssuedById, AuditKind.BadgesIssued, place.OrganizationId, batch.Id,
            $"Issued {inserted.Count} of {decisions.Count} badge-student pairs {place.Description}" + (failures.Count > 0 ? $" ({failures.Count} failed)" : ""),
            new { batchId = batch.Id, badges = batch.BadgeCount, students = batch.StudentCount, issued = inserted.Count, failed = failures.Count });
        if (inserted.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsIssued, new AwardsIssued(batch.Id, null, batch.SuppressNotifications), clock.GetUtcNow().UtcDateTime);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (inserted.Count > 0)
        {
            outbox.Notify();
        }
        if (delivering > 0)
        {
            deliveries.Notify();
        }
        var issued = issuedAwards.Select(a => new IssuedPair(a.BadgeId, a.StudentId, a.Id, a.IssuedAt)).ToList();
        var failed = failures.Select(f => new FailedPair(f.BadgeId, f.StudentId, f.Code, f.Message)).ToList();
        return new IssueBadgesResult(batch.Id, issued, failed, IssueBadgesResult.WarningFor(failed.Count));
    }

    /// <summary>Pairs whose insert the earn-once index refused: someone issued them a moment ago.</summary>
    private async Task<List<IssuanceFailure>> AlreadyEarnedAsync(Guid batchId, List<Award> lost, CancellationToken cancellationToken)
    {
        var badgeIds = lost.Select(a => a.BadgeId).Distinct().ToList();
        var studentIds = lost.Select(a => a.StudentId).Distinct().ToList();
        var held = await db.Awards.AsNoTracking()
            .Where(a => a.RevokedAt == null && badgeIds.Contains(a.BadgeId) && studentIds.Contains(a.StudentId))
            .Select(a => new { a.BadgeId, a.StudentId, a.IssuedAt })
            .ToDictionaryAsync(a => (a.BadgeId, a.StudentId), a => a.IssuedAt, cancellationToken);
        return lost.Select(a => IssuanceFailure.Create(batchId, a.BadgeId, a.StudentId,
            IssuanceErrors.AlreadyEarned(held.TryGetValue((a.BadgeId, a.StudentId), out var since) ? since : a.IssuedAt))).ToList();
    }

    /// <summary>
    /// Automatic issuance (achievements): inside the caller's transaction, inserts an award (source achievement, no
    /// issuing user) for each pair the student does not hold yet, and adds the awards.issued message to the unit of work;
    /// the caller's SaveChanges and commit make both durable. Pairs already held are skipped silently (earn once).
    /// </summary>
    public async Task<IReadOnlyList<Award>> IssueAutomaticallyAsync(IReadOnlyCollection<(Guid BadgeId, Guid StudentId)> pairs, CancellationToken cancellationToken)
    {
        if (pairs.Count == 0)
        {
            return [];
        }
        var badgeIds = pairs.Select(p => p.BadgeId).Distinct().ToList();
        var badges = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, cancellationToken);
        var now = clock.UtcNowSeconds();
        var awards = pairs.Distinct().Where(p => badges.ContainsKey(p.BadgeId))
            .OrderBy(p => p.BadgeId).ThenBy(p => p.StudentId)
            .Select(p => Award.Create(p.BadgeId, p.StudentId, now, null, AwardSource.Achievement, null, null, null, null, badges[p.BadgeId].ExpiryFor(now)))
            .ToList();
        var inserted = await db.InsertAsync(awards, ignoreConflicts: true, a => a.Id, cancellationToken);
        var issued = awards.Where(a => inserted.Contains(a.Id)).ToList();
        if (issued.Count > 0)
        {
            db.Publish(OutboxTopics.AwardsIssued, new AwardsIssued(null, issued.Select(a => a.Id).ToList(), false), now);
            await db.CreateForAsync(issued, now, cancellationToken);
            foreach (var inOrganization in issued.GroupBy(a => badges[a.BadgeId].OrganizationId))
            {
                audit.Record((Guid?)null, AuditKind.BadgesIssued, inOrganization.Key, null,
                    $"Issued {inOrganization.Count()} awards automatically (achievements)",
                    new { issued = inOrganization.Count(), badgeIds = inOrganization.Select(a => a.BadgeId).Distinct().Take(50) });
            }
        }
        return issued;
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

    private static bool IsTransient(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
}
