using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>What the health endpoints answer when the database goes away under a running instance.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_DatabaseUnreachable_AnswersUnhealthy_ButTheProcessIsLive()
    {
        await using var database = await TestDatabase.CreateAsync();
        // No background loop: nothing but the health checks touches the database while it is away.
        await using var app = new RosetteFactory(database, settings: new Dictionary<string, string?>
        {
            ["Rosette:Outbox:Enabled"] = "false",
            ["Rosette:Achievements:WorkerEnabled"] = "false",
            ["Rosette:Providers:DispatcherEnabled"] = "false",
        });
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        var restore = await MakeUnreachableAsync(database);
        try
        {
            var health = await client.GetAsync("/health");
            var ready = await client.GetAsync("/health/ready");
            var live = await client.GetAsync("/health/live");

            await health.IsProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var text = await ready.Content.ReadAsStringAsync();
            var database_ = JsonDocument.Parse(text).RootElement.GetProperty("checks").GetProperty("database");
            Assert.Equal(("unhealthy", "The database does not answer."), (database_.GetProperty("status").GetString(), database_.GetProperty("description").GetString()));
            Assert.DoesNotContain(database.ConnectionString, text, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await restore();
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    /// <summary>
    /// SQLite: the file moves away and a folder takes its name, so that no connection can open it (or create an empty
    /// one). PostgreSQL: the database is renamed, so connections to it fail as with a server gone. Returns how to bring it back.
    /// </summary>
    private static async Task<Func<Task>> MakeUnreachableAsync(TestDatabase database)
    {
        if (!database.IsPostgres)
        {
            var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
            SqliteConnection.ClearAllPools();
            File.Move(file, file + ".away");
            Directory.CreateDirectory(file);
            return () =>
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(file);
                File.Move(file + ".away", file);
                return Task.CompletedTask;
            };
        }
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        // New connections are refused first, then each session is ended and waited for (pg_terminate_backend only signals
        // unless given a timeout): otherwise a session still closing makes the rename fail with "being accessed by other users".
        async Task RenameAsync(string from, string to, bool allowConnections)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(TestDatabase.PostgresServer);
            await admin.OpenAsync();
            await using var close = new NpgsqlCommand($"ALTER DATABASE \"{from}\" WITH ALLOW_CONNECTIONS false", admin);
            await close.ExecuteNonQueryAsync();
            await using var terminate = new NpgsqlCommand(
                $"SELECT pg_terminate_backend(pid, 60000) FROM pg_stat_activity WHERE datname = '{from}' AND pid <> pg_backend_pid()", admin);
            await terminate.ExecuteNonQueryAsync();
            await using var rename = new NpgsqlCommand($"ALTER DATABASE \"{from}\" RENAME TO \"{to}\"", admin);
            await rename.ExecuteNonQueryAsync();
            await using var open = new NpgsqlCommand($"ALTER DATABASE \"{to}\" WITH ALLOW_CONNECTIONS {(allowConnections ? "true" : "false")}", admin);
            await open.ExecuteNonQueryAsync();
        }
        await RenameAsync(name, name + "_away", allowConnections: false);
        return () => RenameAsync(name + "_away", name, allowConnections: true);
    }
}
