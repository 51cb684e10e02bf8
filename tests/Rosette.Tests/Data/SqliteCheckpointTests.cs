using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rosette.Data;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Data;

/// <summary>
/// SQLite's write-ahead log is copied into the database file by the app's <see cref="SqliteCheckpointer"/>, never by a
/// request's commit; a context of its own (a verb's, a tool's) keeps SQLite's default. PostgreSQL has no such thing to do.
/// </summary>
public sealed class SqliteCheckpointTests
{
    /// <summary>More than the 1,000 pages (4 KB each) at which a commit checkpoints by default.</summary>
    private const int LargerThanTheDefaultCheckpoint = 5_000_000;

    [Fact]
    public async Task ACommitLeavesTheLogInPlace_AndTheAppsStopCopiesItIntoTheDatabaseFile()
    {
        await using var database = await TestDatabase.CreateAsync();
        var factory = new RosetteFactory(database, settings: new Dictionary<string, string?> { ["Rosette:Database:CheckpointInterval"] = "01:00:00" });
        SqlitePragmas? pragmas = null;
        try
        {
            var checkpointers = factory.Services.GetServices<IHostedService>().OfType<SqliteCheckpointer>().ToList();
            if (database.IsPostgres)
            {
                Assert.Empty(checkpointers);
                return;
            }
            Assert.Single(checkpointers);
            pragmas = factory.Services.GetRequiredService<SqlitePragmas>();
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
                await db.Database.OpenConnectionAsync();
                Assert.Equal(0L, await ScalarAsync(db, "PRAGMA wal_autocheckpoint;"));
                // Each statement commits on its own, as SaveChanges does: the insert writes about 1,220 pages to the log.
                await db.Database.ExecuteSqlRawAsync("CREATE TABLE checkpoint_probe (marker TEXT, filler BLOB);");
                await db.Database.ExecuteSqlRawAsync($"INSERT INTO checkpoint_probe VALUES ('committed', randomblob({LargerThanTheDefaultCheckpoint}));");
            }

            Assert.Null(await MarkerInDatabaseFileAsync(database));
        }
        finally
        {
            await factory.DisposeAsync();
        }

        Assert.Equal("committed", await MarkerInDatabaseFileAsync(database));
        Assert.False(pragmas!.CheckpointInBackground);
    }

    [Fact]
    public async Task WhileTheAppRuns_TheCheckpointerCopiesCommittedPagesIntoTheDatabaseFile()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new RosetteFactory(database);
        if (database.IsPostgres)
        {
            Assert.Empty(factory.Services.GetServices<IHostedService>().OfType<SqliteCheckpointer>());
            return;
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE checkpoint_probe (marker TEXT, filler BLOB);");
            await db.Database.ExecuteSqlRawAsync("INSERT INTO checkpoint_probe VALUES ('committed', randomblob(4096));");
        }

        await Eventually.TrueAsync(async () => await MarkerInDatabaseFileAsync(database) == "committed",
            "the checkpointer copies the committed row from the write-ahead log into the database file");
    }

    [Fact]
    public async Task AContextOutsideTheApp_CheckpointsAtItsCommitsAsSqliteDoesByDefault()
    {
        var options = new DbContextOptionsBuilder<SqliteRosetteDb>();
        DatabaseRegistration.ConfigureSqlite(options, "Data Source=:memory:");
        await using var db = new SqliteRosetteDb(options.Options);
        await db.Database.OpenConnectionAsync();

        Assert.Equal(1000L, await ScalarAsync(db, "PRAGMA wal_autocheckpoint;"));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("1.00:00:01")]
    public void ACheckpointIntervalOutOfRange_StopsTheStart_NamingTheSetting(string interval)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rosette:Database:CheckpointInterval"] = interval,
            ["ConnectionStrings:Rosette"] = "Data Source=:memory:",
        }).Build();

        var failure = Assert.Throws<StartupException>(() => new ServiceCollection().AddRosetteDatabase(configuration));

        Assert.StartsWith("Rosette:Database:CheckpointInterval must be more than 00:00:00 and at most 1.00:00:00", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<long> ScalarAsync(RosetteDb db, string sql)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The probe's marker as the database file alone holds it, without the write-ahead log: read from a copy of the file, so
    /// that opening it cannot replay or checkpoint the live log. Null while the file has no such row (or a copy caught a
    /// checkpoint half-way).
    /// </summary>
    private static async Task<string?> MarkerInDatabaseFileAsync(TestDatabase database)
    {
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        var copy = Path.Combine(Path.GetTempPath(), "rosette-tests", $"{Guid.NewGuid():N}.db");
        File.Copy(file, copy);
        try
        {
            await using var connection = new SqliteConnection($"Data Source={copy};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT marker FROM checkpoint_probe;";
            return (string?)await command.ExecuteScalarAsync();
        }
        catch (SqliteException)
        {
            return null;
        }
        finally
        {
            foreach (var path in new[] { copy, copy + "-wal", copy + "-shm" })
            {
                File.Delete(path);
            }
        }
    }
}
