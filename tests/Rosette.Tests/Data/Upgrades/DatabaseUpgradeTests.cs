using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Features.Accounts;
using Rosette.Features.Classes;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Data.Upgrades;

/// <summary>
/// Upgrading a database that holds data: built at the first migration, filled with that time's SQL, migrated one
/// migration at a time with each migration's data test (<see cref="MigrationData"/>), then used through the app.
/// </summary>
public sealed class DatabaseUpgradeTests
{
    private static readonly List<MigrationData> DataTests = typeof(MigrationData).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(MigrationData)) && !t.IsAbstract)
        .Select(t => (MigrationData)Activator.CreateInstance(t)!).ToList();

    private static RosetteDb Context(string provider, string connectionString)
    {
        if (provider == "postgres")
        {
            var postgres = new DbContextOptionsBuilder<PostgresRosetteDb>();
            DatabaseRegistration.ConfigurePostgres(postgres, connectionString);
            return new PostgresRosetteDb(postgres.Options);
        }
        var sqlite = new DbContextOptionsBuilder<SqliteRosetteDb>();
        DatabaseRegistration.ConfigureSqlite(sqlite, connectionString);
        return new SqliteRosetteDb(sqlite.Options);
    }

    /// <summary>"20261128102750_Initial" is "Initial".</summary>
    private static string NameOf(string migrationId) => migrationId[(migrationId.IndexOf('_', StringComparison.Ordinal) + 1)..];

    [Fact]
    public void EveryMigration_ShipsWithItsDataTest_OnBothProviders()
    {
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);

        var sqliteNames = sqlite.Database.GetMigrations().Select(NameOf).ToList();
        var postgresNames = postgres.Database.GetMigrations().Select(NameOf).ToList();

        Assert.Equal(sqliteNames, postgresNames);
        Assert.Equal(sqliteNames.Order(), DataTests.Select(d => d.Migration).Order());
    }

    [Fact]
    public void ModelSnapshots_MatchTheModel_OnBothProviders()
    {
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        using var postgres = new PostgresDesignTimeFactory().CreateDbContext([]);

        Assert.False(sqlite.Database.HasPendingModelChanges(), "The SQLite model has changes without a migration: run scripts/add-migration.sh.");
        Assert.False(postgres.Database.HasPendingModelChanges(), "The PostgreSQL model has changes without a migration: run scripts/add-migration.sh.");
    }

    [Fact]
    public async Task Upgrade_FromTheFirstMigration_KeepsEveryRow_AndTheAppWorksOnIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        var ids = new SeedIds();
        await using (var db = Context(database.Provider, database.ConnectionString))
        await using (var connection = SeededRows.Open(database.Provider, database.ConnectionString))
        {
            await connection.OpenAsync();
            var rows = new SeededRows(connection, database.IsPostgres);
            var migrator = db.GetService<IMigrator>();
            foreach (var migration in db.Database.GetMigrations())
            {
                await migrator.MigrateAsync(migration);
                var data = DataTests.Single(d => d.Migration == NameOf(migration));
                data.Upgrade(rows);
                var differences = await rows.DifferencesAsync();
                Assert.True(differences.Count == 0, $"After {migration}:\n" + string.Join("\n", differences));
                await data.SeedAsync(rows, ids);
                await data.CheckAsync(rows, connection);
            }
        }

        await using var app = new RosetteFactory(database, settings: new Dictionary<string, string?>
        {
            ["Rosette:PublicBaseUrl"] = "https://badges.rosette.test",
            ["Rosette:Providers:DispatcherEnabled"] = "false",
        });
        var admin = await SignInAsync(app, SeedIds.AdminEmail);
        var instructor = await SignInAsync(app, "upgrade.instructor@rosette.test");
        // Written with its domain as typed before the data upgrade normalize-email-domains, which the start made: found by either spelling.
        await SignInAsync(app, Steps.DataUpgrades.AsciiEmail);
        await SignInAsync(app, Steps.DataUpgrades.UnicodeEmail);

        var kept = await (await admin.GetAsync($"/api/v1/awards/{ids.Award}")).IsOkAsync<AwardDto>();
        var revoked = await (await admin.GetAsync($"/api/v1/awards/{ids.RevokedAward}")).IsOkAsync<AwardDto>();
        // The batch stored before fingerprints were kept: a retry with its key (keys are the issuer's) replays it.
        var replayed = await (await instructor.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/classes/{ids.Class}/badge-issuances")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { badgeIds = new[] { ids.Badge, ids.OtherBadge }, studentIds = new[] { ids.Student } }),
            Headers = { { "Idempotency-Key", SeedIds.BatchKey } },
        })).IsOkAsync<IssueBadgesResult>();
        var reissued = await (await admin.PostJsonAsync($"/api/v1/classes/{ids.Class}/badge-issuances",
            new { badgeIds = new[] { ids.OtherBadge }, studentIds = new[] { ids.OtherStudent } })).IsOkAsync<IssueBadgesResult>();
        var revocation = await admin.PostJsonAsync($"/api/v1/awards/{ids.Award}/revocation", new { reason = "Upgrade test" });
        var again = await admin.PostJsonAsync($"/api/v1/awards/{ids.Award}/revocation", new { reason = "Upgrade test" });
        var credential = await app.CreateClient().GetStringAsync($"/credentials/{ids.RevokedAward}.json");
        var dashboard = await (await admin.GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        var roster = await (await admin.GetAsync($"/api/v1/classes/{ids.Class}/roster")).IsOkAsync<RosterResult>();
        var ready = await app.CreateClient().GetStringAsync("/health/ready");
        await Eventually.TrueAsync(() => app.WithDbAsync(db => db.ActivityEvents.AnyAsync(e => e.ExternalId == SeedIds.PendingEvent && e.ProcessedAt != null)),
            "the event left pending before the upgrade to be evaluated");

        Assert.Equal((AwardStatus.Valid, "Well done", (Guid?)ids.Batch, "Packet Tracer"), (kept.Status, kept.Narrative, kept.BatchId, kept.BadgeName));
        Assert.Equal((AwardStatus.Revoked, "Issued by mistake"), (revoked.Status, revoked.RevocationReason));
        Assert.Equal(ids.Batch, replayed.Id);
        Assert.Equal([ids.Award], replayed.Issued.Select(i => i.AwardId));
        Assert.Equal(("manual_issuance_disabled", (Guid?)null), (Assert.Single(replayed.Failed).Code, replayed.Failed[0].AwardId));
        Assert.Single(reissued.Issued);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);
        await again.IsProblemAsync(HttpStatusCode.Conflict, "already_revoked");
        Assert.Contains("Subnetting", credential, StringComparison.Ordinal);
        var failedMail = Assert.Single(dashboard.MailFailures, f => f.AwardId == ids.RevokedAward);
        Assert.Equal(Steps.IdempotencyFingerprintsAndMailFailures.FailedError, failedMail.Error);
        // The roster reads the enrollments' copies of their students, filled by the migration (Steps.EnrollmentStudentCopy):
        // both students of the first migration, by name; the student deactivated after it is left out.
        Assert.Equal([(ids.OtherStudent, "Otto", "upgrade.other@rosette.test", "Upgrade Academy North"), (ids.Student, "Stella", "upgrade.student@rosette.test", "Upgrade Academy North")],
            roster.Students.Select(s => (s.Id, s.FirstName, s.Email, s.OrganizationName)));
        Assert.Equal(2, roster.Total);
        Assert.Contains("\"migrations\":{\"status\":\"healthy\"", ready, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithDbAsync(db => db.AchievementAwards.CountAsync(a => a.UserId == ids.OtherStudent && a.AchievementId == ids.Achievement)));
        // The dashboard's view stored the count it showed, for its administrator's scope (decision 0026).
        var stored = await app.WithDbAsync(db => db.DashboardFigures.AsNoTracking().ToListAsync());
        Assert.Equal(dashboard.FiguresCountedAt, Assert.Single(stored).CountedAt);
        // The dashboard's tallies, backfilled by the migration and kept by its triggers since, still equal their recount.
        var (tallies, recount) = await app.WithDbAsync(async db => (await db.AwardTallies.ReadAsync(CancellationToken.None), await db.Awards.RecountAsync(CancellationToken.None)));
        Assert.Equal(recount, tallies);
    }

    private static async Task<HttpClient> SignInAsync(RosetteFactory app, string email)
    {
        var client = app.CreateClient();
        var token = await (await client.PostJsonAsync("/api/v1/auth/token", new { email, password = SeedIds.Password })).IsOkAsync<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }
}
