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

    /// <summary>Ends the SELECT of a claim: on PostgreSQL the rows another instance is claiming are skipped, so instances claim disjoint sets.</summary>
    public static string SkipLocked(this RosetteDb db) => db.IsPostgres ? " FOR UPDATE SKIP LOCKED" : "";

    private static int Key(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
    }
}
