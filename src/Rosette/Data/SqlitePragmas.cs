using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rosette.Data;

/// <summary>
/// Per-connection SQLite settings: a 64 MB page cache, so that a large batch's index pages stay in memory until the
/// commit instead of spilling to the WAL, and in-memory temporary tables. Durability (synchronous=FULL) is untouched.
/// While this host's <see cref="SqliteCheckpointer"/> runs, connections do not checkpoint the WAL at their commits
/// (<c>wal_autocheckpoint = 0</c>): the checkpointer does it in the background. Otherwise (a verb, a test's own context)
/// they keep SQLite's default of 1,000 pages, set on every open because a pooled connection keeps what it was given.
/// SQLite's own <c>lower()</c> folds ASCII only, so name searches (<c>Name.ToLower().Contains(term)</c>, the term lowered in
/// .NET) would never find "Über" by "über": each connection replaces it with .NET's invariant lowering, as PostgreSQL's
/// <c>lower()</c> folds every letter. No index or stored value depends on <c>lower()</c>.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";
    private const string InlineCheckpoints = Pragmas + " PRAGMA wal_autocheckpoint = 1000;";
    private const string BackgroundCheckpoints = Pragmas + " PRAGMA wal_autocheckpoint = 0;";

    private volatile bool _checkpointInBackground;

    /// <summary>Set by <see cref="SqliteCheckpointer"/> while it runs: connections opened meanwhile leave checkpoints to it.</summary>
    internal bool CheckpointInBackground
    {
        get => _checkpointInBackground;
        set => _checkpointInBackground = value;
    }

    private string Settings => _checkpointInBackground ? BackgroundCheckpoints : InlineCheckpoints;

    /// <summary>
    /// Write-ahead logging, so that readers never wait for the writer. Unlike the per-connection settings it is kept in the
    /// database file, so it is set once, after migrating. Nothing to do on PostgreSQL.
    /// </summary>
    public static async Task UseWriteAheadLogAsync(RosetteDb db, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        UnicodeLower(connection);
        Apply(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        UnicodeLower(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Settings;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void UnicodeLower(DbConnection connection)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            sqlite.CreateFunction("lower", (string? text) => text?.ToLowerInvariant(), isDeterministic: true);
        }
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Settings;
        command.ExecuteNonQuery();
    }
}
