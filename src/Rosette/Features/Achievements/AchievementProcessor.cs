using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Rosette.Data;
using Rosette.Infrastructure.Outbox;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Users;
using Rosette.Features.Issuance;

namespace Rosette.Features.Achievements;

/// <summary>
/// Turns stored activity events into earnings, points and badges, exactly once. One transaction per batch:
/// <list type="number">
/// <item>claims the oldest pending events (on PostgreSQL <c>FOR UPDATE SKIP LOCKED</c>, so that instances take disjoint
/// sets; on SQLite the transaction holds the database's write lock);</item>
/// <item>locks the users of those events (transaction-scoped advisory locks, in id order so that instances cannot
/// deadlock), and the limited achievements they may trigger, so that no two instances evaluate one user, or the last
/// slot of a limited achievement, at once;</item>
/// <item>loads everything once, decides in memory with <see cref="AchievementEngine"/>, writes set-based, marks the
/// events processed, and commits.</item>
/// </list>
/// The effects and the "processed" mark commit together or not at all: a crash leaves the events pending for the next
/// run, and an event is never evaluated twice.
/// </summary>
public sealed class AchievementProcessor(RosetteDb db, AwardIssuer issuer, ActivityWriteGate gate, TimeProvider clock)
{
    private const int MaxAttempts = 5;
    private const int UserLocks = 1;
    private const int AchievementLocks = 2;

    /// <summary>A fact already known keeps its time unless the event happened earlier (events may arrive late).</summary>
    private const string KeepEarliestFact =
        """ON CONFLICT ("UserId", "Type", "SubjectId") DO UPDATE SET "FirstAt" = excluded."FirstAt" WHERE excluded."FirstAt" < "ActivityFacts"."FirstAt" """;

    /// <summary>Processes one batch of pending events; returns how many it processed (0 when none were pending).</summary>
    public async Task<int> ProcessPendingAsync(int batchSize, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ProcessOnceAsync(batchSize, cancellationToken);
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<int> ProcessOnceAsync(int batchSize, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var events = await ClaimAsync(batchSize, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }
        var userIds = events.Select(e => e.UserId).Distinct().ToList();
        await LockAsync(UserLocks, userIds, cancellationToken);
        var catalog = await LoadCatalogAsync(cancellationToken);
        var triggered = events.SelectMany(e => catalog.TriggeredBy(e.Type, e.SubjectId)).Distinct().ToList();
        if (triggered.Any(e => e.Achievement.Points > 0))
        {
            triggered.AddRange(catalog.UsingPoints);
        }
        var limited = triggered.Where(e => e.Achievement.FrequencyType != FrequencyType.PerUser).Select(e => e.Achievement).Distinct().ToList();
        await LockAsync(AchievementLocks, limited.Select(a => a.Id), cancellationToken);
        var counters = await LoadCountersAsync(limited, events.Min(e => e.OccurredAt), events.Max(e => e.OccurredAt), cancellationToken);
        var states = await LoadEarnersAsync(userIds, cancellationToken);
        // Only students whose events may still earn something need their activity: an event whose achievements are all
        // used up (or out of reach) decides nothing, and its fact is written all the same (the upsert keeps the earliest time).
        var deciding = events.Where(e => AchievementEngine.MayEarnFrom(catalog, states[e.UserId], counters, e.Type, e.SubjectId)).Select(e => e.UserId).ToHashSet();
        await LoadFactsAsync(states, deciding, cancellationToken);

        var earnings = new List<Earning>();
        var facts = new Dictionary<(Guid, ActivityType, string), ActivityFact>();
        foreach (var activity in events)
        {
            AchievementEngine.OnEvent(catalog, states[activity.UserId], counters, activity.Type, activity.SubjectId, activity.OccurredAt, activity.Seq, earnings);
            var key = (activity.UserId, activity.Type, activity.SubjectId);
            if (!facts.TryGetValue(key, out var fact))
            {
                facts[key] = ActivityFact.Create(activity.UserId, activity.Type, activity.SubjectId, activity.OccurredAt);
            }
            else if (activity.OccurredAt < fact.FirstAt)
            {
                fact.FirstAt = activity.OccurredAt;
            }
        }

        var now = clock.UtcNowSeconds();
        await db.UpsertAsync(facts.Values.ToList(), KeepEarliestFact, cancellationToken);
        var issued = await RecordAsync(earnings, now, cancellationToken);
        await MarkProcessedAsync(events, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (issued > 0)
        {
            issuer.NotifyCommitted(issued);
        }
        return events.Count;
    }

    /// <summary>
    /// Retroactive evaluation of one achievement: every user who meets its requirements and never earned it earns it once,
    /// at the time they met them; then everyone who earned it gets its badge (unless they hold it). Idempotent: running it
    /// again changes nothing.
    /// </summary>
    public async Task EvaluateRetroactivelyAsync(Guid achievementId, int chunkSize, CancellationToken cancellationToken)
    {
        var achievement = await db.Achievements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == achievementId, cancellationToken);
        if (achievement is not { IsEnabled: true })
        {
            return;
        }
        var candidates = new HashSet<Guid>();
        foreach (var group in achievement.Conditions.Facts().Distinct().GroupBy(f => f.Type))
        {
            var type = group.Key;
            var subjects = group.Select(f => f.Subject).ToList();
            candidates.UnionWith(await db.ActivityFacts.Where(f => f.Type == type && subjects.Contains(f.SubjectId)).Select(f => f.UserId).Distinct().ToListAsync(cancellationToken));
        }
        if (achievement.Conditions.UsesPoints)
        {
            candidates.UnionWith(await db.AchievementAwards.Where(a => a.Points > 0).Select(a => a.UserId).Distinct().ToListAsync(cancellationToken));
        }
        foreach (var chunk in candidates.Order().Chunk(chunkSize))
        {
            await RetryAsync(() => EvaluateChunkAsync(achievementId, chunk, cancellationToken));
        }
        if (achievement.BadgeId is not null)
        {
            var earners = await db.AchievementAwards.Where(a => a.AchievementId == achievementId).Select(a => a.UserId).Distinct().ToListAsync(cancellationToken);
            foreach (var chunk in earners.Order().Chunk(chunkSize))
            {
                await RetryAsync(() => IssueBadgeAsync(achievementId, chunk, cancellationToken));
            }
        }
    }

    private async Task EvaluateChunkAsync(Guid achievementId, Guid[] userIds, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await LockAsync(UserLocks, userIds, cancellationToken);
        var catalog = await LoadCatalogAsync(cancellationToken);
        if (catalog.Entries.SingleOrDefault(e => e.Achievement.Id == achievementId) is not { } entry)
        {
            return;
        }
        var limited = catalog.UsingPoints.Append(entry).Select(e => e.Achievement).Where(a => a.FrequencyType != FrequencyType.PerUser).Distinct().ToList();
        await LockAsync(AchievementLocks, limited.Select(a => a.Id), cancellationToken);
        var states = await LoadStatesAsync(userIds, cancellationToken);
        var counters = await LoadCountersAsync(limited, null, null, cancellationToken);
        var earnings = new List<Earning>();
        foreach (var userId in userIds)
        {
            AchievementEngine.Reevaluate(catalog, states[userId], counters, entry, earnings);
        }
        var issued = await RecordAsync(earnings, clock.UtcNowSeconds(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (issued > 0)
        {
            issuer.NotifyCommitted(issued);
        }
    }

    /// <summary>The achievement's badge for earners who lack it (a badge attached after they earned it); held badges are skipped.</summary>
    private async Task IssueBadgeAsync(Guid achievementId, Guid[] userIds, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var badgeId = await db.Achievements.Where(a => a.Id == achievementId && a.IsEnabled).Select(a => a.BadgeId).SingleOrDefaultAsync(cancellationToken);
        if (badgeId is not { } badge || await db.Badges.AnyAsync(b => b.Id == badge && b.IsArchived, cancellationToken))
        {
            return;
        }
        var recipients = await db.Users.Where(u => userIds.Contains(u.Id) && u.IsActive && u.Role == UserRole.Student).Select(u => u.Id).ToListAsync(cancellationToken);
        var issued = await issuer.IssueAutomaticallyAsync(recipients.Select(u => (badge, u)).ToList(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (issued.Count > 0)
        {
            issuer.NotifyCommitted(issued.Count);
        }
    }

    /// <summary>Writes the earnings and issues their badges (skipping badges held or archived); returns how many badges it issued.</summary>
    private async Task<int> RecordAsync(List<Earning> earnings, DateTime now, CancellationToken cancellationToken)
    {
        if (earnings.Count == 0)
        {
            return 0;
        }
        var archived = await ArchivedBadgesAsync(earnings, cancellationToken);
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

    private async Task<HashSet<Guid>> ArchivedBadgesAsync(List<Earning> earnings, CancellationToken cancellationToken)
    {
        var badgeIds = earnings.Where(e => e.BadgeId is not null).Select(e => e.BadgeId!.Value).Distinct().ToList();
        return badgeIds.Count == 0
            ? []
            : (await db.Badges.Where(b => badgeIds.Contains(b.Id) && b.IsArchived).Select(b => b.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>The enabled achievements with their organization's path and whether outsiders may earn them.</summary>
    public async Task<AchievementCatalog> LoadCatalogAsync(CancellationToken cancellationToken)
    {
        var rows = await (
            from a in db.Achievements.AsNoTracking()
            where a.IsEnabled
            join o in db.Organizations on a.OrganizationId equals o.Id
            select new { Achievement = a, o.Path }).ToListAsync(cancellationToken);
        var courseIds = rows.SelectMany(r => r.Achievement.Conditions.Courses()).Distinct().ToList();
        var open = courseIds.Count == 0
            ? []
            : (await db.Courses.Where(c => courseIds.Contains(c.Id) && c.EnableAchievementsForOutsideOrganizations).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
        return new AchievementCatalog(rows.Select(r => new CatalogEntry(r.Achievement, r.Path, AchievementRules.IsOpenToOutsiders(r.Achievement.Conditions, open.Contains))));
    }

    /// <summary>Each user's eligibility facts, activity and earnings.</summary>
    public async Task<Dictionary<Guid, EarnerState>> LoadStatesAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var states = await LoadEarnersAsync(userIds, cancellationToken);
        await LoadFactsAsync(states, userIds, cancellationToken);
        return states;
    }

    /// <summary>
    /// Each user's eligibility facts and earnings, without their activity. Read with plain ADO.NET, as are the events and
    /// facts: a batch reads thousands of rows, and materialising them through EF cost several times what the database takes.
    /// </summary>
    private async Task<Dictionary<Guid, EarnerState>> LoadEarnersAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var earners = await QueryAsync(
            $"""
            SELECT u."Id", u."IsActive", u."Role", u."ParticipateInAchievements", o."EnableAchievements", o."Path"
            FROM "Users" AS u JOIN "Organizations" AS o ON o."Id" = u."OrganizationId" WHERE u."Id" {InIds}
            """,
            userIds,
            r => new Earner(r.GetGuid(0), r.GetBoolean(1) && r.GetString(2) == nameof(UserRole.Student), r.GetBoolean(3), r.GetBoolean(4), r.GetString(5)),
            cancellationToken);
        var found = earners.ToDictionary(e => e.UserId);
        var states = userIds.ToDictionary(id => id, id => new EarnerState(found.GetValueOrDefault(id) ?? new Earner(id, false, false, false, ""), new UserActivity()));
        var earned = await QueryAsync(
            $"""SELECT "UserId", "AchievementId", "EarnedAt", "Points" FROM "AchievementAwards" WHERE "UserId" {InIds}""",
            userIds,
            r => (UserId: r.GetGuid(0), AchievementId: r.GetGuid(1), EarnedAt: Utc(r.GetDateTime(2)), Points: r.GetInt32(3)),
            cancellationToken);
        foreach (var earning in earned.OrderBy(e => e.EarnedAt))
        {
            states[earning.UserId].Load(earning.AchievementId, earning.EarnedAt, earning.Points);
        }
        return states;
    }

    /// <summary>The activity facts of the given users, into their states.</summary>
    private async Task LoadFactsAsync(Dictionary<Guid, EarnerState> states, IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }
        var facts = await QueryAsync(
            $"""SELECT "UserId", "Type", "SubjectId", "FirstAt" FROM "ActivityFacts" WHERE "UserId" {InIds}""",
            userIds,
            r => (UserId: r.GetGuid(0), Type: Enum.Parse<ActivityType>(r.GetString(1)), Subject: r.GetString(2), FirstAt: Utc(r.GetDateTime(3))),
            cancellationToken);
        foreach (var (userId, type, subject, firstAt) in facts)
        {
            states[userId].Activity.Record(type, subject, firstAt);
        }
    }

    /// <summary>An event as the worker needs it.</summary>
    private sealed record PendingEvent(long Seq, Guid UserId, ActivityType Type, string SubjectId, DateTime OccurredAt);

    /// <summary>
    /// The oldest pending events. On PostgreSQL <c>FOR UPDATE SKIP LOCKED</c>: instances take disjoint sets. On SQLite the
    /// transaction already holds the database's write lock.
    /// </summary>
    private Task<List<PendingEvent>> ClaimAsync(int batchSize, CancellationToken cancellationToken) =>
        QueryAsync(
            """SELECT "Seq", "UserId", "Type", "SubjectId", "OccurredAt" FROM "ActivityEvents" WHERE "ProcessedAt" IS NULL ORDER BY "Seq" LIMIT """
                + batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) + (db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : ""),
            null,
            r => new PendingEvent(r.GetInt64(0), r.GetGuid(1), Enum.Parse<ActivityType>(r.GetString(2)), r.GetString(3), Utc(r.GetDateTime(4))),
            cancellationToken);

    /// <summary>"is one of @ids": an array on PostgreSQL, a JSON array of the GUIDs as EF stores them (upper-case text) on SQLite.</summary>
    private string InIds => db.IsPostgres ? "= ANY(@ids)" : "IN (SELECT value FROM json_each(@ids))";

    private async Task<List<T>> QueryAsync<T>(string sql, IReadOnlyCollection<Guid>? ids, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        if (ids is not null)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "ids";
            parameter.Value = db.IsPostgres ? ids.ToArray() : System.Text.Json.JsonSerializer.Serialize(ids.Select(id => id.ToString().ToUpperInvariant()));
            command.Parameters.Add(parameter);
        }
        var rows = new List<T>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return rows;
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    /// <summary>
    /// Marks the batch processed. On SQLite the batch is every pending event from its first to its last Seq (the claim held
    /// the database), so a range says it; on PostgreSQL other instances' claims may lie in between, so the list does.
    /// </summary>
    private Task<int> MarkProcessedAsync(List<PendingEvent> events, DateTime now, CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            var seqs = events.Select(e => e.Seq).ToList();
            return db.ActivityEvents.Where(e => EF.Parameter(seqs).Contains(e.Seq)).ExecuteUpdateAsync(s => s.SetProperty(e => e.ProcessedAt, now), cancellationToken);
        }
        var first = events[0].Seq;
        var last = events[^1].Seq;
        return db.ActivityEvents.Where(e => e.ProcessedAt == null && e.Seq >= first && e.Seq <= last)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ProcessedAt, now), cancellationToken);
    }

    /// <summary>What per_day and per_achievement limits count: all earnings, and per day those between the given times (all when null).</summary>
    private async Task<EarningCounters> LoadCountersAsync(List<Achievement> limited, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var counters = new EarningCounters();
        var perAchievement = limited.Where(a => a.FrequencyType == FrequencyType.PerAchievement).Select(a => a.Id).ToList();
        if (perAchievement.Count > 0)
        {
            var totals = await db.AchievementAwards.Where(a => perAchievement.Contains(a.AchievementId))
                .GroupBy(a => a.AchievementId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
            foreach (var total in totals)
            {
                counters.LoadTotal(total.Key, total.Count);
            }
        }
        var perDay = limited.Where(a => a.FrequencyType == FrequencyType.PerDay).Select(a => a.Id).ToList();
        if (perDay.Count > 0)
        {
            var query = db.AchievementAwards.Where(a => perDay.Contains(a.AchievementId));
            if (from is { } start && to is { } end)
            {
                var first = start.Date;
                var last = end.Date.AddDays(1);
                query = query.Where(a => a.EarnedAt >= first && a.EarnedAt < last);
            }
            foreach (var earning in await query.Select(a => new { a.AchievementId, a.EarnedAt }).ToListAsync(cancellationToken))
            {
                counters.LoadDay(earning.AchievementId, earning.EarnedAt);
            }
        }
        return counters;
    }

    /// <summary>
    /// On PostgreSQL, transaction-scoped advisory locks on the given ids, taken in one order by every instance so that
    /// they cannot deadlock. SQLite needs none: a write transaction there holds the whole database.
    /// </summary>
    private async Task LockAsync(int space, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            return;
        }
        var keys = ids.Select(LockKey).Distinct().Order().ToArray();
        if (keys.Length == 0)
        {
            return;
        }
        await db.Database.ExecuteSqlRawAsync(
            "SELECT pg_advisory_xact_lock({0}, k) FROM unnest({1}) WITH ORDINALITY AS t(k, i) ORDER BY i",
            [space, keys], cancellationToken);
    }

    private static int LockKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
    }

    private async Task RetryAsync(Func<Task> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e))
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;
}
