using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Rosette.Domain.Achievements;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data;

/// <summary>
/// One of <see cref="Count"/> disjoint shares of the students, by the last byte of their id: every event of a student falls
/// in the same share, so loops that each claim their own share never evaluate one student at once, nor out of order.
/// </summary>
public readonly record struct UserShare(int Index, int Count)
{
    /// <summary>Every student.</summary>
    public static readonly UserShare All = new(0, 1);

    /// <summary>Why a share other than <see cref="All"/> is refused on SQLite.</summary>
    public const string SqliteTakesAll = "SQLite's worker takes every student's events: one loop, at the one write lock.";
}

/// <summary>
/// The activity events, facts and earners the achievement worker reads and writes, inside the caller's transaction. Read
/// with plain ADO.NET: a batch reads thousands of rows, and materialising them through EF cost several times what the
/// database takes. Names and enum values come from the EF model (<see cref="MappedTable{T}"/>).
/// </summary>
public sealed class ActivityStore(RosetteDb db)
{
    /// <summary>
    /// Claims the oldest pending events, in order of Seq, and marks them processed at <paramref name="now"/> in the caller's
    /// transaction: the mark commits with the batch's effects or rolls back with them.
    /// </summary>
    /// <remarks>
    /// On PostgreSQL one <c>UPDATE ... RETURNING</c> claims and marks, and instances claim disjoint sets
    /// (<see cref="Locking.SkipLocked"/>). A <c>SELECT ... FOR UPDATE</c> followed by an <c>UPDATE</c> of the list wrote each row
    /// twice (its lock, then its new version), in two round trips.
    /// On SQLite the transaction holds the database's write lock, so every pending event from the first Seq read to the last
    /// is the batch, and a range marks it: faster there than the one statement, which updates row by row.
    /// </remarks>
    public async Task<List<PendingEvent>> ClaimPendingAsync(int batchSize, DateTime now, UserShare share, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            if (share != UserShare.All)
            {
                throw new ArgumentException(UserShare.SqliteTakesAll, nameof(share));
            }
            var events = await PendingAsync(batchSize, cancellationToken);
            if (events.Count > 0)
            {
                await MarkProcessedAsync(events[0].Seq, events[^1].Seq, now, cancellationToken);
            }
            return events;
        }
        var e = db.Mapped<ActivityEvent>();
        // MATERIALIZED: the claim is taken once, whatever plan the UPDATE gets.
        var claimed = await QueryAsync(
            $"""
            WITH claimed AS MATERIALIZED ({OldestPending(batchSize, e[x => x.Seq], share)}{db.SkipLocked()})
            UPDATE {e.Name} SET {e[x => x.ProcessedAt]} = @now WHERE {e[x => x.Seq]} IN (SELECT {e[x => x.Seq]} FROM claimed) RETURNING {PendingColumns}
            """,
            [("now", now)],
            ReadPending(),
            cancellationToken);
        // RETURNING gives no order.
        claimed.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return claimed;
    }

    /// <summary>
    /// SQLite: the oldest pending events, in order of Seq, read and not marked (<see cref="MarkProcessedAsync"/> marks them,
    /// in the transaction that writes their effects).
    /// </summary>
    public Task<List<PendingEvent>> PendingAsync(int batchSize, CancellationToken cancellationToken) =>
        QueryAsync(OldestPending(batchSize, PendingColumns), [], ReadPending(), cancellationToken);

    /// <summary>
    /// SQLite: marks the pending events from Seq <paramref name="first"/> to <paramref name="last"/> processed, and returns how
    /// many it marked. Under the database's write lock no event can join that range (a new event's Seq is past every stored
    /// one), so these are all the events pending there.
    /// </summary>
    public Task<int> MarkProcessedAsync(long first, long last, DateTime now, CancellationToken cancellationToken) =>
        db.ActivityEvents.Where(x => x.ProcessedAt == null && x.Seq >= first && x.Seq <= last)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ProcessedAt, now), cancellationToken);

    private string PendingColumns
    {
        get
        {
            var e = db.Mapped<ActivityEvent>();
            return $"{e[x => x.Seq]}, {e[x => x.UserId]}, {e[x => x.Type]}, {e[x => x.SubjectId]}, {e[x => x.OccurredAt]}";
        }
    }

    private string OldestPending(int batchSize, string what, UserShare? share = null)
    {
        var e = db.Mapped<ActivityEvent>();
        // PostgreSQL only (SQLite claims all): uuid_send gives the id's 16 bytes in RFC order, whose last is random in v4 and v7.
        var ofShare = share is { Count: > 1 } s
            ? $" AND get_byte(uuid_send({e[x => x.UserId]}), 15) % {s.Count.ToString(CultureInfo.InvariantCulture)} = {s.Index.ToString(CultureInfo.InvariantCulture)}"
            : "";
        return $"SELECT {what} FROM {e.Name} WHERE {e[x => x.ProcessedAt]} IS NULL{ofShare} ORDER BY {e[x => x.Seq]} LIMIT {batchSize.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Reads a row of <see cref="PendingColumns"/>.</summary>
    private Func<IRow, PendingEvent> ReadPending()
    {
        var type = db.Mapped<ActivityEvent>().FromProvider(x => x.Type);
        return r => new PendingEvent(r.GetInt64(0), r.GetGuid(1), type(r.GetValue(2)), r.GetString(3), Utc(r.GetDateTime(4)));
    }

    /// <summary>The SQL twin of <see cref="ActivityFact.Supersedes"/>: a fact already stored keeps its time unless the new one is earlier.</summary>
    public string KeepEarliestFact
    {
        get
        {
            var f = db.Mapped<ActivityFact>();
            var firstAt = f[x => x.FirstAt];
            return $"ON CONFLICT ({f[x => x.UserId]}, {f[x => x.Type]}, {f[x => x.SubjectId]}) DO UPDATE SET {firstAt} = excluded.{firstAt} WHERE excluded.{firstAt} < {f.Name}.{firstAt}";
        }
    }

    /// <summary>Stores the facts; each one already stored keeps the earliest time (<see cref="KeepEarliestFact"/>).</summary>
    public Task UpsertFactsAsync(IReadOnlyList<ActivityFact> facts, CancellationToken cancellationToken) =>
        db.UpsertAsync(facts, KeepEarliestFact, cancellationToken);

    /// <summary>Each user's eligibility facts, activity and earnings.</summary>
    public async Task<Dictionary<Guid, EarnerState>> LoadStatesAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var states = await LoadEarnersAsync(userIds, cancellationToken);
        await LoadActivityAsync(states, userIds, cancellationToken);
        return states;
    }

    /// <summary>Each user's eligibility facts and earnings, without their activity; an unknown id is an earner who may earn nothing.</summary>
    public async Task<Dictionary<Guid, EarnerState>> LoadEarnersAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        var u = db.Mapped<User>();
        var o = db.Mapped<Organization>();
        var role = u.FromProvider(x => x.Role);
        var earners = await QueryAsync(
            $"""
            SELECT u.{u[x => x.Id]}, u.{u[x => x.IsActive]}, u.{u[x => x.Role]}, u.{u[x => x.ParticipateInAchievements]}, o.{o[x => x.EnableAchievements]}, o.{o[x => x.Path]}
            FROM {u.Name} AS u JOIN {o.Name} AS o ON o.{o[x => x.Id]} = u.{u[x => x.OrganizationId]} WHERE u.{u[x => x.Id]} {InIds}
            """,
            Ids(userIds),
            r => new Earner(r.GetGuid(0), ActiveStudents.Is(role(r.GetValue(2)), r.GetBoolean(1)), r.GetBoolean(3), r.GetBoolean(4), r.GetString(5)),
            cancellationToken);
        var found = earners.ToDictionary(e => e.UserId);
        var states = userIds.ToDictionary(id => id, id => new EarnerState(found.GetValueOrDefault(id) ?? new Earner(id, false, false, false, ""), new UserActivity()));
        var a = db.Mapped<AchievementAward>();
        var earned = await QueryAsync(
            $"""SELECT {a[x => x.UserId]}, {a[x => x.AchievementId]}, {a[x => x.EarnedAt]}, {a[x => x.Points]} FROM {a.Name} WHERE {a[x => x.UserId]} {InIds}""",
            Ids(userIds),
            r => (UserId: r.GetGuid(0), AchievementId: r.GetGuid(1), EarnedAt: Utc(r.GetDateTime(2)), Points: r.GetInt32(3)),
            cancellationToken);
        foreach (var earning in earned.OrderBy(e => e.EarnedAt))
        {
            states[earning.UserId].Load(earning.AchievementId, earning.EarnedAt, earning.Points);
        }
        return states;
    }

    /// <summary>The activity facts of the given users, into their states.</summary>
    public async Task LoadActivityAsync(Dictionary<Guid, EarnerState> states, IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }
        var f = db.Mapped<ActivityFact>();
        var type = f.FromProvider(x => x.Type);
        var facts = await QueryAsync(
            $"""SELECT {f[x => x.UserId]}, {f[x => x.Type]}, {f[x => x.SubjectId]}, {f[x => x.FirstAt]} FROM {f.Name} WHERE {f[x => x.UserId]} {InIds}""",
            Ids(userIds),
            r => (UserId: r.GetGuid(0), Type: type(r.GetValue(1)), Subject: r.GetString(2), FirstAt: Utc(r.GetDateTime(3))),
            cancellationToken);
        foreach (var (userId, activityType, subject, firstAt) in facts)
        {
            states[userId].Activity.Record(activityType, subject, firstAt);
        }
    }

    /// <summary>"is one of @ids": an array on PostgreSQL, a JSON array of the GUIDs as EF stores them (upper-case text) on SQLite.</summary>
    private string InIds => db.IsPostgres ? "= ANY(@ids)" : "IN (SELECT value FROM json_each(@ids))";

    /// <summary>The parameter of <see cref="InIds"/>: on SQLite, UTF-8 text (<see cref="SqliteRows"/>).</summary>
    private (string, object)[] Ids(IReadOnlyCollection<Guid> ids) => [("ids", db.IsPostgres ? ids.ToArray() : new ReadOnlyMemory<byte>(JsonIds(ids)))];

    /// <summary>
    /// A JSON array of the GUIDs as EF stores them on SQLite (upper-case "D" text), written straight into UTF-8: a batch sends
    /// thousands of ids three times, and a string per id, a serializer and a string of the whole (on the large object heap
    /// from about 1,100 ids) cost more than the query's own read (docs/benchmarks.md, session 34).
    /// </summary>
    internal static byte[] JsonIds(IReadOnlyCollection<Guid> ids)
    {
        const int Each = 39; // "D" text, its quotes and a comma
        if (ids.Count == 0)
        {
            return "[]"u8.ToArray();
        }
        var json = new byte[ids.Count * Each + 1];
        json[0] = (byte)'[';
        var at = 1;
        foreach (var id in ids)
        {
            var guid = json.AsSpan(at + 1, 36);
            id.TryFormat(guid, out _, "D");
            Ascii.ToUpperInPlace(guid, out _);
            json[at] = json[at + 37] = (byte)'"';
            json[at + 38] = (byte)',';
            at += Each;
        }
        json[^1] = (byte)']'; // in place of the last comma
        return json;
    }

    /// <summary>The rows of a query, in the current transaction: on SQLite straight from its statement (<see cref="SqliteRows"/>).</summary>
    private async Task<List<T>> QueryAsync<T>(
        string sql, IReadOnlyList<(string Name, object Value)> parameters, Func<IRow, T> read, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = db.Database.GetDbConnection();
            if (connection is SqliteConnection sqlite)
            {
                return await SqliteRows.ReadAsync(sqlite, sql, parameters, read, cancellationToken);
            }
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var row = new ReaderRow(reader);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(row));
            }
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
