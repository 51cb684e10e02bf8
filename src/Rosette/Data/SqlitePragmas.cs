using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rosette.Data;

/// <summary>
/// Per-connection SQLite settings: a 64 MB page cache, so that a large batch's index pages stay in memory until the
/// commit instead of spilling to the WAL, and in-memory temporary tables. Durability (synchronous=FULL) is untouched.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";

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
