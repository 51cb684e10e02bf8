using Microsoft.Data.Sqlite;

namespace Rosette.Data;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background, so that no request's COMMIT pays for it. By
/// default the commit that takes the log past 1,000 pages checkpoints it before returning: for a batch of 100,000 awards
/// that was 0.2 of its 0.5 s commit, spent while the batch's request waited and while the write gate of the achievement
/// worker and the event ingest was held (docs/benchmarks.md, session 26). While this runs, the app's connections do not
/// checkpoint (<see cref="SqlitePragmas"/>); every <see cref="DatabaseOptions.CheckpointInterval"/> it runs a PASSIVE
/// checkpoint on a connection of its own, which waits for no reader or writer and copies what no reader still needs. A
/// last one runs when the app stops. Durability does not change: a commit is in the log, synced, before it returns.
/// </summary>
public sealed class SqliteCheckpointer(SqlitePragmas pragmas, DatabaseOptions options, string connectionString, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    /// <summary>An in-memory database has no write-ahead log to checkpoint.</summary>
    public static bool Applies(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        return builder.Mode != SqliteOpenMode.Memory && builder.DataSource is not ("" or ":memory:");
    }

    private readonly SqliteConnection _connection = new(connectionString);

    /// <summary>
    /// Before the app serves, connections stop checkpointing at their commits, and this one opens: SQLite also checkpoints
    /// when the last connection to a database closes, and this one stays open.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        pragmas.CheckpointInBackground = true;
        await OpenAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CheckpointInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last checkpoint follows.
        }
        finally
        {
            // Connections opened from now on checkpoint at their commits again; then the log written so far is copied.
            pragmas.CheckpointInBackground = false;
            await CheckpointAsync(CancellationToken.None);
        }
    }

    public override void Dispose()
    {
        _connection.Dispose();
        base.Dispose();
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        if (!await OpenAsync(cancellationToken))
        {
            return;
        }
        try
        {
            // A connection learns that the database is in WAL mode, and opens its log, when it next reads: this one opened
            // before the app set that mode and has read nothing since, and until it reads, its checkpoint does nothing.
            await using (var read = _connection.CreateCommand())
            {
                read.CommandText = "SELECT count(*) FROM sqlite_schema;";
                await read.ExecuteScalarAsync(cancellationToken);
            }
            await using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken) && reader.GetInt64(1) > 0)
            {
                logger.LogDebug("Checkpointed {Copied} of the {Frames} frames in the write-ahead log.", reader.GetInt64(2), reader.GetInt64(1));
            }
        }
        catch (SqliteException e)
        {
            Failed(e);
            await _connection.CloseAsync();
        }
    }

    private async Task<bool> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection.State == System.Data.ConnectionState.Open)
        {
            return true;
        }
        try
        {
            await _connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (SqliteException e)
        {
            Failed(e);
            return false;
        }
    }

    /// <summary>The next round tries again; until one succeeds the log grows, and nothing written is lost.</summary>
    private void Failed(SqliteException e) =>
        logger.LogWarning(e, "The SQLite checkpoint failed; it is tried again in {Interval}.", options.CheckpointInterval);
}
