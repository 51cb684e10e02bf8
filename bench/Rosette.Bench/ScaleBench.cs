using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Audit;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using ActivityEvent = Rosette.Domain.Achievements.ActivityEvent;

namespace Rosette.Bench;

/// <summary>
/// scale: the same pages, lists and batch on a small database and on a large one (--awards, 10 awards a student, a
/// student per 10 awards, a badge per 2,500, a class per 100, one class of 10,000 students), in one run; each large
/// figure as a ratio of the small one. The bar is 1.5.
/// </summary>
internal static class ScaleBench
{
    public const int SmallAwards = 200_000;
    private const int AwardsPerStudent = 10;
    private const int BigClass = 10_000;
    private const int Chunk = 100_000;
    private const double Bar = 1.5;

    public static async Task<int> RunAsync(int awards, int runs, bool keep, string provider)
    {
        if (awards < SmallAwards)
        {
            await Console.Error.WriteLineAsync($"scale: --awards must be at least {SmallAwards}, the small database's size.");
            return 1;
        }
        var small = await MeasureAsync(SmallAwards, runs, false, provider);
        var large = await MeasureAsync(awards, runs, keep, provider);
        var failed = 0;
        foreach (var (name, smallMs) in small)
        {
            var ratio = large[name] / smallMs;
            failed += ratio > Bar ? 1 : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scale {name}: small_ms={smallMs:F1} large_ms={large[name]:F1} ratio={ratio:F2}{(ratio > Bar ? " OVER" : "")}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale: awards={awards} small_awards={SmallAwards} measures={small.Count} over_bar={failed} bar={Bar} database={provider}"));
        return 0;
    }

    private sealed record World(Actor Admin, Guid ClassId, List<Guid> ClassStudents, Guid Student, Guid StudentAward);

    private static async Task<Dictionary<string, double>> MeasureAsync(int awardCount, int runs, bool keep, string provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        if (keep)
        {
            database.Keep = true;
            Console.WriteLine($"scale: the large database is kept: {database.ConnectionString}");
        }
        await using var app = await BenchApp.StartAsync(database);
        var fill = Stopwatch.StartNew();
        var world = await FillAsync(app.Services, awardCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scale fill: awards={awardCount} seconds={fill.Elapsed.TotalSeconds:F0} database={provider} loadavg={File.ReadAllText("/proc/loadavg").Trim()}"));

        var figures = new Dictionary<string, double>();
        using var admin = await BenchClients.PageClientAsync(app, world.Admin.UserId);
        using var api = await BenchClients.ApiClientAsync(app, world.Admin.UserId);
        using var student = await BenchClients.PageClientAsync(app, world.Student);
        async Task Time(string name, HttpClient client, string url)
        {
            figures[name] = (await BenchClients.TimeGetsAsync(client, url, runs)).Median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: median_ms={figures[name]:F1} awards={awardCount}"));
        }
        await Time("roster", admin, $"/classes/{world.ClassId}/roster");
        await Time("dashboard", admin, "/admin");
        // The page shows a stored count for a minute (decision 0026); this is what each new count costs.
        figures["dashboard_count"] = await TimeDashboardCountAsync(app.Services, world.Admin, runs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dashboard_count: median_ms={figures["dashboard_count"]:F1} awards={awardCount}"));
        // The deep pages start at the middle of each list, by the cursor a client walking there would hold (decision 0018).
        var (awardCursor, auditCursor) = await MiddleCursorsAsync(app.Services);
        await Time("award_list", api, "/api/v1/awards");
        await Time("award_list_deep", api, $"/api/v1/awards?after={awardCursor}");
        await Time("audit_list", api, "/api/v1/audit-entries");
        await Time("audit_list_deep", api, $"/api/v1/audit-entries?after={auditCursor}");
        await Time("my_badges", student, "/my/badges");
        await Time("credential", student, $"/credentials/{world.StudentAward}");

        // Last, since it adds 100,000 awards: 10 new badges to the class of 10,000.
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var organization = await db.Organizations.SingleAsync(o => o.Id == world.Admin.OrganizationId);
        var now = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond));
        var badges = Enumerable.Range(0, 10).Select(i => Badge.Create($"Batch badge {i}", "A benchmark badge.", null, organization, true, null, [], now).Value).ToList();
        db.Badges.AddRange(badges);
        await db.SaveChangesAsync();
        var handler = scope.ServiceProvider.GetRequiredService<IssueBadgesHandler>();
        var stopwatch = Stopwatch.StartNew();
        var result = await handler.HandleAsync(world.Admin, world.ClassId, new IssueBadgesRequest(badges.Select(b => b.Id).ToList(), world.ClassStudents, null, true), null, CancellationToken.None);
        figures["batch_100k"] = stopwatch.Elapsed.TotalMilliseconds;
        if (result.Value.Issued.Count != badges.Count * world.ClassStudents.Count)
        {
            throw new InvalidOperationException("The batch did not issue every pair.");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  batch_100k: ms={figures["batch_100k"]:F0} awards={awardCount} loadavg={File.ReadAllText("/proc/loadavg").Trim()}"));
        return figures;
    }

    /// <summary>The dashboard's count of its figures (what a view does when the stored one is a minute old), as the pages are timed: two untimed first.</summary>
    private static async Task<double> TimeDashboardCountAsync(IServiceProvider services, Actor admin, int runs)
    {
        var times = new List<double>();
        for (var i = -2; i < runs; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredService<DashboardHandler>();
            var stopwatch = Stopwatch.StartNew();
            await handler.CountAsync(admin, DashboardHandler.FirstWeek(DateOnly.FromDateTime(DateTime.UtcNow)), CancellationToken.None);
            if (i >= 0)
            {
                times.Add(stopwatch.Elapsed.TotalMilliseconds);
            }
        }
        return BenchClients.Percentile(times, 0.5);
    }

    private static IEnumerable<long> LongRange(long count)
    {
        for (var i = 0L; i < count; i++)
        {
            yield return i;
        }
    }

    /// <summary>
    /// The fill's tallies (written by SQLite's triggers, by the backfill on PostgreSQL) must be what the dashboard would
    /// find in production: row for row the recount of the awards, and as many awards as filled.
    /// </summary>
    private static async Task CheckTalliesAsync(RosetteDb db, int awardCount)
    {
        var tallies = await db.AwardTallies.AsNoTracking().ReadAsync(CancellationToken.None);
        var recount = await db.Awards.AsNoTracking().RecountAsync(CancellationToken.None);
        if (tallies.Sum(t => t.Issued) != awardCount || !tallies.SequenceEqual(recount))
        {
            throw new InvalidOperationException(
                $"The tallies ({tallies.Count} rows, {tallies.Sum(t => t.Issued)} awards) are not the recount of the awards ({recount.Count} rows, {awardCount} awards).");
        }
        Console.WriteLine($"scale fill: tallies={tallies.Count} equal to the recount of awards={awardCount}");
    }

    /// <summary>The cursors after the middle row of the award list and of the audit list, in their orders.</summary>
    private static async Task<(string Awards, string Audit)> MiddleCursorsAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var award = await db.Awards.OrderByDescending(a => a.IssuedAt).ThenBy(a => a.Id).Skip(await db.Awards.CountAsync() / 2)
            .Select(a => new { a.IssuedAt, a.Id }).FirstAsync();
        var entry = await db.AuditEntries.OrderByDescending(e => e.Id).Skip(await db.AuditEntries.CountAsync() / 2).Select(e => e.Id).FirstAsync();
        return (AwardsHandler.CursorAfter(award.IssuedAt, award.Id), AuditLogHandler.CursorAfter(entry));
    }

    /// <summary>
    /// Fills the migrated database through the EF model's own column mapping (<see cref="BulkInsert"/>: binary COPY on
    /// PostgreSQL, prepared multi-row INSERTs on SQLite), a transaction per 100,000 rows, foreign-key checks off while
    /// filling (every reference is made here, to rows inserted first), then the planner's statistics.
    /// </summary>
    private static async Task<World> FillAsync(IServiceProvider services, int awardCount)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var now = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond));
        var studentCount = awardCount / AwardsPerStudent;
        var badgeCount = Math.Max(awardCount / 2_500, 80);
        var classCount = awardCount / 100;

        var organization = Organization.Create(Actor.System, "Scale Training", null, now).Value;
        var admin = User.Create("scale.admin@rosette.bench", "Scale", "Admin", organization.Id, UserRole.Administrator, now).Value;
        db.Organizations.Add(organization);
        db.Users.Add(admin);
        await db.SaveChangesAsync();

        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "SET session_replication_role = replica" : "PRAGMA foreign_keys = OFF");
        async Task Insert<T>(IEnumerable<T> rows)
            where T : class
        {
            foreach (var chunk in rows.Chunk(Chunk))
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                await db.InsertAsync(chunk, ignoreConflicts: false, _ => 0, CancellationToken.None);
                await transaction.CommitAsync();
            }
        }

        // History over the past year, oldest first: the ids (version 7) and the times grow together.
        DateTime At(long i, long count) => now.AddDays(-365).AddSeconds(365.0 * 86_400 * i / count);
        var badges = Enumerable.Range(0, badgeCount)
            .Select(i => Badge.Create($"Badge {i:D5}", "A benchmark badge.", null, organization, true, null, [], now).Value).ToList();
        var classes = Enumerable.Range(0, classCount)
            .Select(i => TrainingClass.Create($"Class {i:D6}", organization.Id, null, null, null, now).Value).ToList();
        var students = new List<Guid>(studentCount);
        // Badges hold a list (a column BulkInsert does not copy), and there are few: through EF.
        db.Badges.AddRange(badges);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        await Insert(classes);
        await Insert(Enumerable.Range(0, studentCount).Select(i =>
        {
            var user = User.Create($"student{i}@rosette.bench", "Student", $"Number {i:D7}", organization.Id, UserRole.Student, now).Value;
            students.Add(user.Id);
            return user;
        }));
        // Students 0..9,999 are the big class; the others are spread over the rest, about 10 a class.
        int HomeClass(int s) => s < BigClass ? 0 : 1 + (s - BigClass) % (classCount - 1);
        await Insert(Enumerable.Range(0, studentCount).Select(s => Enrollment.Create(classes[HomeClass(s)].Id, students[s], now)));
        var batches = classes.Select(c => IssuanceBatch.Create(AwardSource.Roster, c.Id, null, admin.Id, now, 0, 0, null, true, null)).ToList();
        await Insert(batches);

        // Awards come by batch, as the product issues them: a class's students get one badge at one moment. Each class has
        // AwardsPerStudent rounds (round k of class c gives badge (c + k * stride) mod badgeCount, so no student gets a badge
        // twice); the rounds are spread over the year, oldest first, so a (badge, class, day) tally counts a whole batch.
        var members = new List<int>[classCount];
        for (var c = 0; c < classCount; c++)
        {
            members[c] = [];
        }
        for (var s = 0; s < studentCount; s++)
        {
            members[HomeClass(s)].Add(s);
        }
        var stride = badgeCount / AwardsPerStudent;
        var rounds = (long)classCount * AwardsPerStudent;
        Guid studentAward = default;
        await Insert(LongRange(rounds).SelectMany(j =>
        {
            var c = (int)(j % classCount);
            var badge = badges[(int)((c + j / classCount * stride) % badgeCount)].Id;
            return members[c].Select(s =>
            {
                var award = Award.Create(new AwardFacts(badge, students[s], At(j, rounds), AwardSource.Roster)
                {
                    IssuedById = admin.Id, ClassId = classes[c].Id, BatchId = batches[c].Id,
                });
                studentAward = s == 0 ? award.Id : studentAward;
                return award;
            });
        }));

        // The audit log of that history: each student's creation and enrollment, each class's creation and batch.
        await Insert(Enumerable.Range(0, studentCount).SelectMany(s => new[]
        {
            AuditEntry.Create(At(s, studentCount), AuditKind.UserCreated, admin.Id, organization.Id, students[s], $"Created student{s}@rosette.bench", null, "127.0.0.1"),
            AuditEntry.Create(At(s, studentCount), AuditKind.StudentsEnrolled, admin.Id, organization.Id, classes[HomeClass(s)].Id, "Enrolled 1 student", null, "127.0.0.1"),
        }).Concat(Enumerable.Range(0, classCount).SelectMany(c => new[]
        {
            AuditEntry.Create(At(c, classCount), AuditKind.ClassCreated, admin.Id, organization.Id, classes[c].Id, $"Created class {c}", null, "127.0.0.1"),
            AuditEntry.Create(At(c, classCount), AuditKind.BadgesIssued, admin.Id, organization.Id, batches[c].Id, $"Issued badges in class {c}", null, "127.0.0.1"),
        })));
        // Activity events, one per award, all processed long ago (set as the worker would have: the domain has no setter for it).
        var processedAt = typeof(ActivityEvent).GetProperty(nameof(ActivityEvent.ProcessedAt))!;
        await Insert(Enumerable.Range(0, awardCount).Select(i =>
        {
            var e = ActivityEvent.Create($"event-{i}", admin.Id, students[i % studentCount], ActivityType.CourseCompleted, $"course-{i % 500}", At(i, awardCount), null, At(i, awardCount));
            processedAt.SetValue(e, At(i, awardCount));
            return e;
        }));

        await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "RESET session_replication_role" : "PRAGMA foreign_keys = ON");
        if (db.IsPostgres)
        {
            // Replication mode fired no trigger: the dashboard's tallies are counted once, as the migration counts existing awards,
            // and the enrollments' copies of their students are filled as the migration fills existing ones.
            await db.Database.ExecuteSqlRawAsync(AwardTallies.Backfill(postgres: true));
            await db.Database.ExecuteSqlRawAsync(EnrollmentStudents.Backfill(postgres: true));
        }
        await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "VACUUM ANALYZE" : "ANALYZE");
        await db.Database.CloseConnectionAsync();
        await CheckTalliesAsync(db, awardCount);

        var actor = new Actor(admin.Id, UserRole.Administrator, organization.Id, organization.Path, false);
        return new World(actor, classes[0].Id, students.Take(BigClass).ToList(), students[0], studentAward);
    }
}
