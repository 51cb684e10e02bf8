using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rosette.Data;

/// <summary>
/// Per-connection SQLite settings: a 64 MB page cache, so that a large batch's index pages stay in memory until the
/// commit instead of spilling to the WAL, and in-memory temporary tables. Durability (synchronous=FULL) is untouched.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";

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

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }
}
