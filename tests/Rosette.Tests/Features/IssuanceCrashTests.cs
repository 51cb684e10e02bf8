using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>A process killed (SIGKILL) in the middle of a batch leaves only whole awards; the same batch sent again issues exactly the rest.</summary>
public sealed class IssuanceCrashTests(AppFixture app) : IClassFixture<AppFixture>
{
    /// <summary>The doomed process logs its SQL, so that the test sees its batch's transaction begin writing.</summary>
    private static readonly Dictionary<string, string> LogCommands = new() { ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information" };

    [Fact]
    public async Task IssueBadges_ProcessKilledMidBatch_ResendIssuesExactlyTheRest()
    {
        var world = await app.NewWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 8000);
        var badges = new[] { world.Manual.Id, world.Manual2.Id };
        var body = new { badgeIds = badges, studentIds = students };
        var pairs = badges.Length * students.Count;
        using var token = await app.ClientAsync(world.AdminRoot);
        var bearer = token.DefaultRequestHeaders.Authorization;

        await using (var doomed = await AppProcess.StartAsync(app.Database, LogCommands))
        {
            using var client = doomed.CreateClient();
            client.DefaultRequestHeaders.Authorization = bearer;
            await using var auditLock = app.Database.IsPostgres ? await AuditTableLock.TakeAsync(app.Database.ConnectionString) : null;
            // SQLite cannot be held up mid-transaction from outside: the process is stopped (SIGSTOP) the moment it logs the
            // batch's first write inside its transaction (its own row, before the awards).
            var frozen = auditLock is null ? doomed.FreezeOnOutputAsync("INSERT INTO \"IssuanceBatches\"") : null;
            var inFlight = client.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body);
            if (auditLock is not null)
            {
                // The batch's transaction has written its awards and waits for the audit table, the last thing it writes.
                await auditLock.UntilSomeoneWaitsAsync();
            }
            else
            {
                await frozen!.Within("the process to be stopped inside the batch");
                // Still inside it, checked and not assumed: only a transaction that has not committed holds SQLite's write lock.
                Assert.True(await SqliteWriteLockHeldAsync(app.Database.ConnectionString), "The batch committed before the process was stopped.");
            }
            await doomed.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => inFlight);
        }

        // Killed mid-flight: the batch's row was written (the test saw it) and none of it survived, not even that row.
        var batches = await app.Factory.WithDbAsync(db => db.IssuanceBatches.CountAsync(b => b.ClassId == world.Class.Id));
        Assert.Equal((0, 0), (batches, await CountAwardsAsync(students)));
        await using var restarted = await AppProcess.StartAsync(app.Database);
        using var again = restarted.CreateClient();
        again.DefaultRequestHeaders.Authorization = bearer;
        var result = await (await again.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body)).IsOkAsync<IssueBadgesResult>();

        Assert.Equal((pairs, 0), (result.Issued.Count, result.Failed.Count));
        Assert.Equal(pairs, await CountAwardsAsync(students));
        var incomplete = await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => students.Contains(a.StudentId) && (a.BatchId == null || a.RecipientSalt == "")));
        Assert.Equal(0, incomplete);
    }

    /// <summary>Whether another connection holds SQLite's write lock: this one's BEGIN IMMEDIATE is refused as busy.</summary>
    private static async Task<bool> SqliteWriteLockHeldAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.CommandTimeout = 1;
        try
        {
            await begin.ExecuteNonQueryAsync();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 5)
        {
            return true;
        }
        begin.CommandText = "ROLLBACK";
        await begin.ExecuteNonQueryAsync();
        return false;
    }

    private Task<int> CountAwardsAsync(List<Guid> students) =>
        app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => students.Contains(a.StudentId)));

    /// <summary>A lock on the audit table (PostgreSQL) that holds back every insert into it, until disposed.</summary>
    private sealed class AuditTableLock(NpgsqlConnection holder, NpgsqlConnection observer, int pid) : IAsyncDisposable
    {
        public static async Task<AuditTableLock> TakeAsync(string connectionString)
        {
            var holder = new NpgsqlConnection(connectionString);
            await holder.OpenAsync();
            await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE \"AuditEntries\" IN SHARE MODE; SELECT pg_backend_pid()", holder);
            var pid = (int)(await command.ExecuteScalarAsync())!;
            var observer = new NpgsqlConnection(connectionString);
            await observer.OpenAsync();
            return new AuditTableLock(holder, observer, pid);
        }

        /// <summary>Waits until another session waits for this lock.</summary>
        public Task UntilSomeoneWaitsAsync() => Eventually.TrueAsync(async () =>
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE {pid} = ANY(pg_blocking_pids(pid))", observer);
            return (long)(await command.ExecuteScalarAsync())! > 0;
        }, "the batch to wait for the audit table");

        public async ValueTask DisposeAsync()
        {
            await observer.DisposeAsync();
            await using (var rollback = new NpgsqlCommand("ROLLBACK", holder))
            {
                await rollback.ExecuteNonQueryAsync();
            }
            await holder.DisposeAsync();
        }
    }
}
