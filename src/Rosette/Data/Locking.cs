using Microsoft.EntityFrameworkCore;

namespace Rosette.Data;

/// <summary>What an advisory lock is taken on: one key space per kind of thing.</summary>
public enum LockSpace
{
    /// <summary>A user whose activity is evaluated.</summary>
    Users = 1,

    /// <summary>An achievement whose limit all users share.</summary>
    Achievements = 2,
}

/// <summary>
/// How instances on one PostgreSQL take turns: advisory locks, and claims that skip rows another instance is claiming.
/// SQLite needs neither: a write transaction there holds the whole database.
/// </summary>
public static class Locking
{
    /// <summary>The key of <see cref="WithInstallationLockAsync"/>.</summary>
    public const long InstallationKey = 72717201;

    /// <summary>Transaction-scoped advisory locks on the ids, taken in one order by every instance so that they cannot deadlock.</summary>
    public static async Task LockAsync(this RosetteDb db, LockSpace space, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            return;
        }
        var keys = ids.Select(Key).Distinct().Order().ToArray();
        if (keys.Length == 0)
        {
            return;
        }
        await db.Database.ExecuteSqlRawAsync(
            "SELECT pg_advisory_xact_lock({0}, k) FROM unnest({1}) WITH ORDINALITY AS t(k, i) ORDER BY i",
            [(int)space, keys], cancellationToken);
    }

    /// <summary>
    /// Ends the SELECT of a claim: on PostgreSQL the rows another instance is claiming are skipped, so instances claim disjoint
    /// sets. <paramref name="of"/> names the table alias whose rows are locked when the SELECT joins others.
    /// </summary>
    public static string SkipLocked(this RosetteDb db, string? of = null) =>
        !db.IsPostgres ? "" : of is null ? " FOR UPDATE SKIP LOCKED" : $" FOR UPDATE OF {of} SKIP LOCKED";

    /// <summary>
    /// Whether a claim's SELECT (<paramref name="candidates"/>) finds a row. On SQLite an UPDATE takes the database's one write
    /// lock even when it matches nothing, and while another connection writes, Microsoft.Data.Sqlite sleeps the thread 150 ms
    /// per retry: idle dispatchers polling with their claim UPDATE queued behind every batch and held thread-pool threads
    /// asleep. A read never waits under write-ahead logging, so there a claim asks first. On PostgreSQL the UPDATE locks only
    /// the rows it claims and answers alone.
    /// </summary>
    public static async Task<bool> MayClaimAsync(this RosetteDb db, string candidates, object[] parameters, CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            return true;
        }
        var sql = $"SELECT EXISTS ({candidates}) AS \"Value\"";
        return await db.Database.SqlQueryRaw<int>(sql, parameters).SingleAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Runs <paramref name="work"/> while this instance holds the installation's session lock on PostgreSQL, so that instances
    /// starting together take turns. Its single 64-bit key cannot meet the (space, id) keys of <see cref="LockAsync"/>.
    /// </summary>
    public static async Task WithInstallationLockAsync(this RosetteDb db, Func<Task> work, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            await work();
            return;
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({InstallationKey})", cancellationToken);
            try
            {
                await work();
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({InstallationKey})", CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static int Key(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
    }
}
