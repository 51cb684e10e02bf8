using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Features.Issuance;

namespace Rosette.Bench;

/// <summary>
/// issue-batch: the API's own handler issuing badges x students on a fresh database, against baselines on other fresh
/// databases: the same award rows inserted by one prepared single-row ADO.NET INSERT in one transaction, and on
/// PostgreSQL also by one binary COPY in one transaction (the engine's set-based limit, the bar there).
/// </summary>
internal static class IssueBatchBench
{
    public static async Task<int> RunAsync(int badgeCount, int studentCount, string provider)
    {
        var pairs = badgeCount * studentCount;
        TimeSpan handler;
        int issued;
        await using (var database = await BenchDatabase.CreateAsync(provider))
        await using (var app = await BenchApp.StartAsync(database))
        {
            var world = await SeedAsync(app.Services, badgeCount, studentCount);
            await using var scope = app.Services.CreateAsyncScope();
            var issue = scope.ServiceProvider.GetRequiredService<IssueBadgesHandler>();
            var stopwatch = BenchApp.StartClock();
            var result = await issue.HandleAsync(world.Admin, world.ClassId, new IssueBadgesRequest(world.BadgeIds, RosterOrder(world.StudentIds), null, true), null, CancellationToken.None);
            handler = stopwatch.Elapsed;
            issued = result.Value.Issued.Count;
        }
        // The product's peak: seeding and the batch, before the baseline's own rows take memory.
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        if (issued != pairs)
        {
            await Console.Error.WriteLineAsync($"issue-batch: expected {pairs} awards, the handler issued {issued}");
            return 1;
        }
        TimeSpan raw;
        await using (var database = await BenchDatabase.CreateAsync(provider))
        await using (var app = await BenchApp.StartAsync(database))
        {
            var world = await SeedAsync(app.Services, badgeCount, studentCount);
            raw = await RawInsertAsync(app.Services, world);
        }
        var rate = pairs / handler.TotalSeconds;
        var rawRate = pairs / raw.TotalSeconds;
        var copy = "";
        if (provider == "postgres")
        {
            await using var database = await BenchDatabase.CreateAsync(provider);
            await using var app = await BenchApp.StartAsync(database);
            var world = await SeedAsync(app.Services, badgeCount, studentCount);
            var copyRate = pairs / (await CopyAsync(app.Services, world)).TotalSeconds;
            copy = FormattableString.Invariant($" copy_pairs_per_s={copyRate:F0} copy_ratio={rate / copyRate:F2}");
        }
        Console.WriteLine(FormattableString.Invariant(
            $"issue-batch: pairs={pairs} seconds={handler.TotalSeconds:F2} pairs_per_s={rate:F0} raw_pairs_per_s={rawRate:F0} ratio={rate / rawRate:F2}{copy} peak_mb={peak} database={provider}"));
        return 0;
    }

    /// <summary>
    /// The students as a request lists them: in the roster's order, by name, which has nothing to do with when each was
    /// created. Listed in creation order (the order of their version 7 ids), a batch's awards would get nearly sorted ids
    /// however the handler numbered them; a fixed shuffle stands in for the names, so every run sends the same order.
    /// </summary>
    private static List<Guid> RosterOrder(List<Guid> students)
    {
        var order = students.ToArray();
        new Random(20261207).Shuffle(order);
        return [.. order];
    }

    internal sealed record BenchWorld(Actor Admin, Guid ClassId, List<Guid> BadgeIds, List<Guid> StudentIds, Guid BatchId);

    internal static async Task<BenchWorld> SeedAsync(IServiceProvider services, int badgeCount, int studentCount)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var now = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond));
        var organization = Organization.Create(Actor.System, "Bench Training", null, now).Value;
        var admin = User.Create("bench.admin@rosette.bench", "Bench", "Admin", organization.Id, UserRole.Administrator, now).Value;
        var trainingClass = TrainingClass.Create("Virtual class", organization.Id, null, null, null, now).Value;
        var badges = Enumerable.Range(0, badgeCount)
            .Select(i => Badge.Create($"Badge {i}", "A benchmark badge.", null, organization, true, null, [], now).Value).ToList();
        var students = Enumerable.Range(0, studentCount)
            .Select(i => User.Create($"student{i}@rosette.bench", "Student", $"Number {i:D6}", organization.Id, UserRole.Student, now).Value).ToList();
        db.Organizations.Add(organization);
        db.Users.Add(admin);
        db.Classes.Add(trainingClass);
        db.Badges.AddRange(badges);
        var batch = IssuanceBatch.Create(AwardSource.Roster, trainingClass.Id, null, admin.Id, now, badgeCount, studentCount, null, true, null);
        db.IssuanceBatches.Add(batch);
        await db.SaveChangesAsync();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await db.InsertAsync(students, ignoreConflicts: false, s => s.Id, CancellationToken.None);
            await db.InsertAsync(students.Select(s => Enrollment.Create(trainingClass.Id, s.Id, now)).ToList(), ignoreConflicts: false, e => e.StudentId, CancellationToken.None);
            await transaction.CommitAsync();
        }
        var actor = new Actor(admin.Id, UserRole.Administrator, organization.Id, organization.Path, false);
        return new BenchWorld(actor, trainingClass.Id, badges.Select(b => b.Id).ToList(), students.Select(s => s.Id).ToList(), batch.Id);
    }

    /// <summary>The award rows the handler writes for the batch, as the baselines store them.</summary>
    private static List<Award> Awards(BenchWorld world)
    {
        var now = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond));
        return world.BadgeIds.SelectMany(b => world.StudentIds.Select(s =>
            Award.Create(new AwardFacts(b, s, now, AwardSource.Roster) { IssuedById = world.Admin.UserId, ClassId = world.ClassId, BatchId = world.BatchId }))).ToList();
    }

    /// <summary>
    /// PostgreSQL's set-based limit for the same rows on the same schema (parents present, every index and foreign key):
    /// one binary COPY through Npgsql's importer, in one transaction.
    /// </summary>
    private static async Task<TimeSpan> CopyAsync(IServiceProvider services, BenchWorld world)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var awards = Awards(world);
        await db.Database.OpenConnectionAsync();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var stopwatch = BenchApp.StartClock();
        await using var transaction = await connection.BeginTransactionAsync();
        // Written synchronously: the rows are in memory, and the importer's buffer goes to the server as it fills.
        await using (var importer = await connection.BeginBinaryImportAsync("""
            COPY "Awards" ("Id", "BadgeId", "StudentId", "IssuedAt", "IssuedById", "Source", "ClassId", "BatchId", "RecipientSalt") FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var award in awards)
            {
                importer.StartRow();
                importer.Write(award.Id, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.BadgeId, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.StudentId, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.IssuedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                importer.Write(award.IssuedById!.Value, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.Source.ToString(), NpgsqlTypes.NpgsqlDbType.Varchar);
                importer.Write(award.ClassId!.Value, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.BatchId!.Value, NpgsqlTypes.NpgsqlDbType.Uuid);
                importer.Write(award.RecipientSalt, NpgsqlTypes.NpgsqlDbType.Varchar);
            }
            await importer.CompleteAsync();
        }
        await transaction.CommitAsync();
        return stopwatch.Elapsed;
    }

    /// <summary>
    /// sqlite-keys: the raw INSERT of the batch's award rows on SQLite with the keys as the schema stores them (36-character
    /// upper-case text) and as 16-byte blobs, in turns, each on a fresh database. For the blobs the referenced parents'
    /// keys (students, badges, class, batch) are rewritten as blobs first, so every foreign key is checked against its
    /// parent as before (<c>PRAGMA foreign_key_check</c> confirms it after each run); the bytes are big-endian, so version-7
    /// ids keep their time order in the indexes. Both databases are vacuumed before the timed INSERT.
    /// </summary>
    public static async Task<int> SqliteKeysAsync(int rounds, int badgeCount, int studentCount)
    {
        var seconds = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (var round = 1; round <= rounds; round++)
        {
            // Each round starts with the other kind, so that neither always runs on a machine just warmed by the other.
            foreach (var blob in round % 2 == 1 ? new[] { false, true } : [true, false])
            {
                await using var database = await BenchDatabase.CreateAsync("sqlite");
                await using var app = await BenchApp.StartAsync(database);
                var world = await SeedAsync(app.Services, badgeCount, studentCount);
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
                await db.Database.OpenConnectionAsync();
                var connection = db.Database.GetDbConnection();
                if (blob)
                {
                    await ExecuteAsync(connection, "PRAGMA foreign_keys = OFF");
                    foreach (var table in new[] { "Users", "Badges", "Classes", "IssuanceBatches" })
                    {
                        await ExecuteAsync(connection, $"""UPDATE "{table}" SET "Id" = unhex(replace("Id", '-', ''))""");
                    }
                    await ExecuteAsync(connection, "PRAGMA foreign_keys = ON");
                }
                await ExecuteAsync(connection, "VACUUM");
                var elapsed = await RawInsertAsync(app.Services, world, blobKeys: blob);
                var violations = await ExecuteAsync(connection, """PRAGMA foreign_key_check("Awards")""");
                var megabytes = Convert.ToInt64(await ScalarAsync(connection, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"), CultureInfo.InvariantCulture) / (1024 * 1024);
                if (violations != 0)
                {
                    await Console.Error.WriteLineAsync($"sqlite-keys: {violations} awards refer to no parent");
                    return 1;
                }
                seconds[blob].Add(elapsed.TotalSeconds);
                Console.WriteLine(FormattableString.Invariant(
                    $"sqlite-keys: round={round} keys={(blob ? "blob" : "text")} seconds={elapsed.TotalSeconds:F2} rows_per_s={badgeCount * studentCount / elapsed.TotalSeconds:F0} database_mb={megabytes}"));
            }
        }
        var (text, blobs) = (BenchClients.Percentile(seconds[false], 0.5), BenchClients.Percentile(seconds[true], 0.5));
        Console.WriteLine(FormattableString.Invariant($"sqlite-keys: rounds={rounds} rows={badgeCount * studentCount} text_median_s={text:F2} blob_median_s={blobs:F2} ratio={text / blobs:F2}"));
        return 0;
    }

    /// <summary>Runs <paramref name="sql"/>; returns how many rows it answered.</summary>
    private static async Task<int> ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }
        return rows;
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>
    /// The engine's row-at-a-time limit: one prepared single-row INSERT, executed once per award, in one transaction. With
    /// <paramref name="blobKeys"/> (SQLite only, see <see cref="SqliteKeysAsync"/>) the keys go in as 16-byte blobs.
    /// </summary>
    private static async Task<TimeSpan> RawInsertAsync(IServiceProvider services, BenchWorld world, bool blobKeys = false)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var awards = Awards(world);
        // Opened through EF so that the connection gets the same settings as the app's.
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var stopwatch = BenchApp.StartClock();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO "Awards" ("Id", "BadgeId", "StudentId", "IssuedAt", "IssuedById", "Source", "ClassId", "BatchId", "RecipientSalt")
            VALUES (@id, @badge, @student, @issued, @by, @source, @class, @batch, @salt)
            """;
        var sqlite = connection is SqliteConnection;
        object Key(Guid id) => !sqlite ? id : blobKeys ? id.ToByteArray(bigEndian: true) : id.ToString().ToUpperInvariant();
        var parameters = new[] { "@id", "@badge", "@student", "@issued", "@by", "@source", "@class", "@batch", "@salt" }
            .Select(name => AddParameter(command, name)).ToArray();
        var prepared = false;
        foreach (var award in awards)
        {
            parameters[0].Value = Key(award.Id);
            parameters[1].Value = Key(award.BadgeId);
            parameters[2].Value = Key(award.StudentId);
            parameters[3].Value = award.IssuedAt;
            parameters[4].Value = Key(award.IssuedById!.Value);
            parameters[5].Value = award.Source.ToString();
            parameters[6].Value = Key(award.ClassId!.Value);
            parameters[7].Value = Key(award.BatchId!.Value);
            parameters[8].Value = award.RecipientSalt;
            if (!prepared)
            {
                // Npgsql prepares only parameters whose types it knows, so the first row's values come first.
                await command.PrepareAsync();
                prepared = true;
            }
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return stopwatch.Elapsed;
    }

    private static DbParameter AddParameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (parameter is NpgsqlParameter npgsql && name is "@issued")
        {
            npgsql.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
        }
        else if (parameter is NpgsqlParameter uuid && name is not "@source" and not "@salt")
        {
            uuid.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid;
        }
        command.Parameters.Add(parameter);
        return parameter;
    }
}
