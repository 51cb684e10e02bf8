using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Achievements;

/// <summary>
/// Turns stored activity events into earnings, points and badges, exactly once. One transaction per batch:
/// <list type="number">
/// <item>claims the oldest pending events (of its share of the students, <see cref="UserShare"/>) and marks them processed
/// (instances and loops take disjoint sets);</item>
/// <item>locks the users of those events, and the limited achievements they may trigger, so that no two instances evaluate
/// one user, or the last slot of a limited achievement, at once;</item>
/// <item>loads everything once, decides in memory with <see cref="AchievementEngine"/>, writes set-based, and commits.</item>
/// </list>
/// The effects and the "processed" mark commit together or not at all: a crash leaves the events pending for the next
/// run, and an event is never evaluated twice.
/// On SQLite, whose one write lock the API's event POSTs wait for, a batch is first read and decided in a read transaction
/// (<see cref="DraftAsync"/>), without the lock, and only its writes take it (<see cref="TryCommitAsync"/>), if nothing
/// the draft read has changed meanwhile; otherwise the batch is done again, all of it under the lock.
/// </summary>
public sealed class AchievementProcessor(
    RosetteDb db, ActivityStore activity, AchievementStore achievements, AwardIssuer issuer, ActivityWriteGate gate, TimeProvider clock)
{
    private const int MaxAttempts = 5;

    /// <summary>
    /// Processes one batch of pending events of <paramref name="share"/>'s students; returns how many it processed (0 when
    /// none were pending). While an enabled achievement has a limit shared by all students, its last slot must go to the
    /// earliest event, which one loop's order gives and several loops' would not: then the first share takes every student's
    /// events and the others take none.
    /// </summary>
    public Task<int> ProcessPendingAsync(int batchSize, UserShare share, CancellationToken cancellationToken) =>
        db.RetryTransientAsync(MaxAttempts, async () =>
        {
            if (!db.IsPostgres)
            {
                if (share != UserShare.All)
                {
                    throw new ArgumentException(UserShare.SqliteTakesAll, nameof(share));
                }
                if (await DraftAsync(batchSize, cancellationToken) is not { } draft)
                {
                    return 0;
                }
                if (await TryCommitAsync(draft, cancellationToken) is { } committed)
                {
                    return committed;
                }
            }
            var processed = 0;
            await InTransactionAsync(async () =>
            {
                var now = clock.UtcNowSeconds();
                var catalog = await achievements.LoadCatalogAsync(cancellationToken);
                if (catalog.AnyLimited && share.Index > 0)
                {
                    return 0;
                }
                var events = await activity.ClaimPendingAsync(batchSize, now, catalog.AnyLimited ? UserShare.All : share, cancellationToken);
                processed = events.Count;
                return events.Count == 0 ? 0 : await EvaluateAsync(events, catalog, now, cancellationToken);
            }, cancellationToken);
            return processed;
        });

    /// <summary>A batch read and decided, not yet written: its events, the latest earning when it was read, and its outcome.</summary>
    internal sealed record Draft(List<PendingEvent> Events, long? LastEarning, EventsOutcome Outcome, DateTime Now);

    /// <summary>
    /// SQLite: reads the oldest pending events and everything they are decided on, and decides them, in a read transaction
    /// (one snapshot, no write lock: the API's POSTs write meanwhile). Null when no event is pending.
    /// </summary>
    internal async Task<Draft?> DraftAsync(int batchSize, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var read = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
            await db.Database.UseTransactionAsync(read, cancellationToken);
            try
            {
                var lastEarning = await achievements.LastEarningAsync(cancellationToken);
                var events = await activity.PendingAsync(batchSize, cancellationToken);
                return events.Count == 0
                    ? null
                    : new Draft(events, lastEarning, await DecideAsync(events, await achievements.LoadCatalogAsync(cancellationToken), cancellationToken), clock.UtcNowSeconds());
            }
            finally
            {
                await db.Database.UseTransactionAsync(null, CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// SQLite: writes a draft under the write lock if what it was decided on still holds: its events are all still pending
    /// (another process's worker takes the same oldest events, so it would have marked some) and no earning was recorded
    /// since (a retroactive evaluation, or another process's batch). Those are the only writes of what a draft reads, other
    /// than changes to users and achievements, which a batch on PostgreSQL may also read just before they commit. Returns how
    /// many events it processed, or null, having written nothing, when something changed.
    /// </summary>
    internal async Task<int?> TryCommitAsync(Draft draft, CancellationToken cancellationToken)
    {
        var current = await InTransactionAsync(async () =>
            await achievements.LastEarningAsync(cancellationToken) != draft.LastEarning
            || await activity.MarkProcessedAsync(draft.Events[0].Seq, draft.Events[^1].Seq, draft.Now, cancellationToken) != draft.Events.Count
                ? null
                : await WriteAsync(draft.Outcome, draft.Now, cancellationToken),
            cancellationToken);
        return current ? draft.Events.Count : null;
    }

    /// <summary>
    /// A round as <see cref="ProcessPendingAsync"/> runs it, on the events that <paramref name="arrange"/> stores or makes up
    /// inside the transaction, which is then rolled back: nothing of it is ever seen. For the start-up warm-up; returns how
    /// many badges the round issued before the rollback. Its claim takes no event: the worker runs meanwhile, and on
    /// PostgreSQL it skips a claimed event, so a rehearsal that held one would make the worker evaluate events out of order.
    /// </summary>
    public async Task<int> RehearseAsync(Func<Task<List<PendingEvent>>> arrange, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            var now = clock.UtcNowSeconds();
            await activity.ClaimPendingAsync(0, now, UserShare.All, cancellationToken);
            var issued = await EvaluateAsync(await arrange(), await achievements.LoadCatalogAsync(cancellationToken), now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return issued;
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
        }
    }

    private async Task<int> EvaluateAsync(List<PendingEvent> events, AchievementCatalog catalog, DateTime now, CancellationToken cancellationToken) =>
        await WriteAsync(await DecideAsync(events, catalog, cancellationToken), now, cancellationToken);

    /// <summary>Reads what the events are decided on (locking their users and limited achievements on PostgreSQL), and decides.</summary>
    private async Task<EventsOutcome> DecideAsync(List<PendingEvent> events, AchievementCatalog catalog, CancellationToken cancellationToken)
    {
        var userIds = events.Select(e => e.UserId).Distinct().ToList();
        await db.LockAsync(LockSpace.Users, userIds, cancellationToken);
        var limited = AchievementCatalog.Limited(catalog.TriggeredBy(events));
        await db.LockAsync(LockSpace.Achievements, limited.Select(a => a.Id), cancellationToken);
        var counters = await achievements.LoadCountersAsync(limited, events.Min(e => e.OccurredAt), events.Max(e => e.OccurredAt), cancellationToken);
        var states = await activity.LoadEarnersAsync(userIds, cancellationToken);
        // Only students whose events may still earn something need their activity: an event whose achievements are all
        // used up (or out of reach) decides nothing, and its fact is written all the same.
        var deciding = events.Where(e => AchievementEngine.MayEarnFrom(catalog, states[e.UserId], counters, e.Type, e.SubjectId)).Select(e => e.UserId).ToHashSet();
        await activity.LoadActivityAsync(states, deciding, cancellationToken);

        return AchievementEngine.OnEvents(catalog, states, counters, events);
    }

    /// <summary>Stores a batch's facts and records its earnings; returns how many badges it issued.</summary>
    private async Task<int> WriteAsync(EventsOutcome outcome, DateTime now, CancellationToken cancellationToken)
    {
        await activity.UpsertFactsAsync(outcome.Facts, cancellationToken);
        return await RecordAsync(outcome.Earnings, now, cancellationToken);
    }

    /// <summary>
    /// Retroactive evaluation of one achievement: every user who meets its requirements and never earned it earns it once,
    /// at the time they met them; then everyone who earned it gets its badge (unless they hold it). Idempotent: running it
    /// again changes nothing.
    /// </summary>
    public async Task EvaluateRetroactivelyAsync(Guid achievementId, int chunkSize, CancellationToken cancellationToken)
    {
        var catalog = await achievements.LoadCatalogAsync(cancellationToken);
        if (catalog.Entries.SingleOrDefault(e => e.Achievement.Id == achievementId) is not { } entry)
        {
            return;
        }
        var candidates = await achievements.CandidatesAsync(entry.Achievement, cancellationToken);
        foreach (var chunk in candidates.Order().Chunk(chunkSize))
        {
            await db.RetryTransientAsync(MaxAttempts, () => InTransactionAsync(async () => await EvaluateChunkAsync(achievementId, chunk, cancellationToken), cancellationToken));
        }
        if (entry.Achievement.BadgeId is not null)
        {
            var earners = await achievements.EarnersAsync(achievementId, cancellationToken);
            foreach (var chunk in earners.Order().Chunk(chunkSize))
            {
                await db.RetryTransientAsync(MaxAttempts, () => InTransactionAsync(async () => await IssueBadgeAsync(achievementId, chunk, cancellationToken), cancellationToken));
            }
        }
    }

    private async Task<int> EvaluateChunkAsync(Guid achievementId, Guid[] userIds, CancellationToken cancellationToken)
    {
        await db.LockAsync(LockSpace.Users, userIds, cancellationToken);
        var catalog = await achievements.LoadCatalogAsync(cancellationToken);
        if (catalog.Entries.SingleOrDefault(e => e.Achievement.Id == achievementId) is not { } entry)
        {
            return 0;
        }
        var limited = AchievementCatalog.Limited(catalog.UsingPoints.Append(entry));
        await db.LockAsync(LockSpace.Achievements, limited.Select(a => a.Id), cancellationToken);
        var states = await activity.LoadStatesAsync(userIds, cancellationToken);
        var counters = await achievements.LoadCountersAsync(limited, null, null, cancellationToken);
        var earnings = new List<Earning>();
        foreach (var userId in userIds)
        {
            AchievementEngine.Reevaluate(catalog, states[userId], counters, entry, earnings);
        }
        return await RecordAsync(earnings, clock.UtcNowSeconds(), cancellationToken);
    }

    /// <summary>The achievement's badge for earners who lack it (a badge attached after they earned it); held badges are skipped.</summary>
    private async Task<int> IssueBadgeAsync(Guid achievementId, Guid[] userIds, CancellationToken cancellationToken)
    {
        if (await achievements.IssuableBadgeAsync(achievementId, cancellationToken) is not { } badge)
        {
            return 0;
        }
        var recipients = await achievements.ActiveStudentsAsync(userIds, cancellationToken);
        return (await issuer.IssueAutomaticallyAsync(recipients.Select(u => (badge, u)).ToList(), cancellationToken)).Count;
    }

    /// <summary>Writes the earnings and issues their badges (skipping badges held or archived); returns how many badges it issued.</summary>
    private async Task<int> RecordAsync(List<Earning> earnings, DateTime now, CancellationToken cancellationToken)
    {
        if (earnings.Count == 0)
        {
            return 0;
        }
        var archived = await achievements.ArchivedBadgesAsync(earnings.Where(e => e.BadgeId is not null).Select(e => e.BadgeId!.Value), cancellationToken);
        var pairs = earnings.Where(e => e.BadgeId is { } badge && !archived.Contains(badge)).Select(e => (e.BadgeId!.Value, e.UserId)).Distinct().ToList();
        var issued = await issuer.IssueAutomaticallyAsync(pairs, cancellationToken);
        var awardOf = issued.ToDictionary(a => (a.BadgeId, a.StudentId), a => a.AwardId);
        var rows = new List<AchievementAward>(earnings.Count);
        foreach (var earning in earnings)
        {
            var row = AchievementAward.Create(earning, now);
            if (earning.BadgeId is { } badge && awardOf.Remove((badge, earning.UserId), out var awardId))
            {
                row.BadgeAwardId = awardId;
            }
            rows.Add(row);
        }
        await db.InsertAsync(rows, ignoreConflicts: false, r => r.Id, cancellationToken);
        // Webhooks (achievement.earned) follow the earnings from the outbox, committed with them.
        db.Publish(OutboxTopics.AchievementsEarned, new AchievementsEarned(rows.Select(r => r.Id).ToList()), now);
        return issued.Count;
    }

    /// <summary>
    /// Runs <paramref name="work"/> under the write gate in one transaction, and commits it with what it tracked; once
    /// committed, the badges it issued (its result) are handed to this instance's dispatchers. A null result rolls the
    /// transaction back instead; returns whether it committed.
    /// </summary>
    private async Task<bool> InTransactionAsync(Func<Task<int?>> work, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await work() is not { } issued)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return false;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (issued > 0)
        {
            issuer.NotifyCommitted(issued);
        }
        return true;
    }
}
