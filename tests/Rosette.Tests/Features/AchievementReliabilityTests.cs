using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Features.Achievements;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// An accepted event is never lost and never evaluated twice: a process killed (SIGKILL) while the worker is busy ends, after a
/// restart, exactly where a run without the crash ends; and two hosts on one database process each event once.
/// </summary>
public sealed class AchievementCrashTests(AchievementCrashTests.WorkerlessHost app) : IClassFixture<AchievementCrashTests.WorkerlessHost>
{
    /// <summary>The test's own host reads and seeds the database but evaluates nothing: the app process is the only worker.</summary>
    public sealed class WorkerlessHost : AppFixture
    {
        protected override RosetteFactory CreateFactory(TestDatabase database) =>
            new(database, settings: new Dictionary<string, string?> { ["Rosette:Achievements:WorkerEnabled"] = "false" });
    }

    private const int Students = 500;
    private const int EventsPerStudent = 20;

    [Fact]
    public async Task Worker_ProcessKilledWhileBusy_RestartEndsWithTheOutcomeOfARunWithoutTheCrash()
    {
        var data = Dataset.Create(Students);
        await using var referenceDatabase = await TestDatabase.CreateAsync();
        await using var reference = new RosetteFactory(referenceDatabase);
        await data.WriteAsync(reference);
        await data.WriteAsync(app.Factory);
        var requests = data.Requests(EventsPerStudent);
        var total = requests.Sum(r => r.Length);

        var expected = await RunAsync(reference, requests);

        using var token = await app.Factory.ClientForAsync(data.Admin);
        // Small batches keep the doomed worker busy long after ingest ends (1,000 batches for the 10,000 events; with 150
        // batches of 200 it sometimes finished before the kill); the restart then works in batches of the default size, the
        // reference in one size throughout.
        var settings = new Dictionary<string, string> { ["Rosette:Achievements:BatchSize"] = "10" };
        int processedAtKill;
        await using (var doomed = await AppProcess.StartAsync(app.Database, settings))
        {
            using var client = doomed.CreateClient();
            client.DefaultRequestHeaders.Authorization = token.DefaultRequestHeaders.Authorization;
            foreach (var request in requests)
            {
                var accepted = await (await client.PostJsonAsync(Achieve.EventsUrl, request)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
                Assert.Equal(request.Length, accepted.Accepted);
            }
            await Achieve.UntilAsync(app.Factory, db => db.ActivityEvents.AnyAsync(e => e.ProcessedAt != null));
            await doomed.KillAsync();
            processedAtKill = await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.ProcessedAt != null));
        }
        Assert.InRange(processedAtKill, 1, total - 1);

        await using (await AppProcess.StartAsync(app.Database))
        {
            await Achieve.UntilAsync(app.Factory, async db => !await db.ActivityEvents.AnyAsync(e => e.ProcessedAt == null));
        }
        var actual = await Outcome.ReadAsync(app.Factory);

        Assert.Equal(total, actual.Processed);
        Assert.Equal(expected.Earnings, actual.Earnings);
        Assert.Equal(expected.Badges, actual.Badges);
        Assert.Equal(expected.Facts, actual.Facts);
        Assert.NotEmpty(actual.Badges);
    }

    private static async Task<Outcome> RunAsync(RosetteFactory factory, object[][] requests)
    {
        var data = await factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == Dataset.AdminEmail));
        using var client = await factory.ClientForAsync(data);
        foreach (var request in requests)
        {
            await (await client.PostJsonAsync(Achieve.EventsUrl, request)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
        }
        await Achieve.SettledAsync(factory);
        return await Outcome.ReadAsync(factory);
    }

    /// <summary>Everything the worker decides, as comparable text (ids are the same in both databases; times of recording are not compared).</summary>
    private sealed record Outcome(int Processed, List<string> Earnings, List<string> Badges, List<string> Facts)
    {
        public static Task<Outcome> ReadAsync(RosetteFactory factory) => factory.WithDbAsync(async db => new Outcome(
            await db.ActivityEvents.CountAsync(e => e.ProcessedAt != null),
            (await db.AchievementAwards.ToListAsync()).Select(a => $"{a.AchievementId} {a.UserId} {a.Ordinal} {a.EarnedAt:O} {a.Points} {a.EventSeq} {a.BadgeAwardId is null}").Order().ToList(),
            (await db.Awards.Where(a => a.RevokedAt == null).ToListAsync()).Select(a => $"{a.BadgeId} {a.StudentId} {a.Source}").Order().ToList(),
            (await db.ActivityFacts.ToListAsync()).Select(f => $"{f.UserId} {f.Type} {f.SubjectId} {f.FirstAt:O}").Order().ToList()));
    }

    /// <summary>
    /// The same organization, people, badges and achievements, with the same ids, written to any database. Achievements cover
    /// combinators, repeat earnings, a limit in all, points and badges.
    /// </summary>
    private sealed class Dataset
    {
        public const string AdminEmail = "crash.admin@rosette.test";

        public required Organization Organization { get; init; }
        public required User Admin { get; init; }
        public required List<User> Students { get; init; }
        public required List<Badge> Badges { get; init; }
        public required List<Achievement> Achievements { get; init; }

        public static Dataset Create(int students)
        {
            var now = DateTime.UtcNow.AddDays(-1);
            now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
            var organization = Organization.Create(Actor.System, "Crash Academy", null, now).Value;
            organization.SetEnableAchievements(true);
            var badges = Enumerable.Range(0, 2).Select(i => Badge.Create($"Crash badge {i}", "Earned automatically.", null, organization, true, null, [], now).Value).ToList();
            Achievement Make(string name, string conditions, int points, int frequency, FrequencyType type, Badge? badge) =>
                Achievement.Create(organization.Id, new AchievementChanges(name, "", points, frequency, type, true, badge?.Id, false),
                    ConditionJson.Parse(conditions).Value, badge, now, new ValidationErrors()).Value;
            return new Dataset
            {
                Organization = organization,
                Admin = User.Create(AdminEmail, "Crash", "Admin", organization.Id, UserRole.Administrator, now).Value,
                Students = Enumerable.Range(0, students).Select(i => User.Create($"crash{i}@rosette.test", "Crash", $"Student {i}", organization.Id, UserRole.Student, now).Value).ToList(),
                Badges = badges,
                Achievements =
                [
                    Make("Both labs", """{"type":"all","conditions":[{"type":"lab_completed","labId":"lab-1"},{"type":"lab_completed","labId":"lab-2"}]}""", 10, 1, FrequencyType.PerUser, badges[0]),
                    Make("Lab three, thrice", """{"type":"lab_completed","labId":"lab-3"}""", 5, 3, FrequencyType.PerUser, null),
                    Make("First 700 launches", """{"type":"lab_launched","labId":"lab-1"}""", 1, 700, FrequencyType.PerAchievement, null),
                    Make("Twenty points", """{"type":"points_at_least","points":20}""", 0, 1, FrequencyType.PerUser, badges[1]),
                ],
            };
        }

        public async Task WriteAsync(RosetteFactory factory)
        {
            await factory.WithDbAsync(async db =>
            {
                db.Organizations.Add(Organization);
                db.Badges.AddRange(Badges);
                await db.SaveChangesAsync();
                await using var transaction = await db.Database.BeginTransactionAsync();
                await db.InsertAsync(Students.Append(Admin).ToList(), ignoreConflicts: false, u => u.Id, CancellationToken.None);
                await transaction.CommitAsync();
                db.Achievements.AddRange(Achievements);
                await db.SaveChangesAsync();
            });
        }

        /// <summary>Requests of at most 5,000 events (so that the worker starts while ingest goes on); each student's events in a varied order, some of them late (earlier occurredAt).</summary>
        public object[][] Requests(int perStudent)
        {
            string[] kinds = ["lab_launched:lab-1", "lab_completed:lab-3", "lab_completed:lab-1", "lab_completed:lab-3", "lab_completed:lab-2", "lab_launched:lab-2"];
            var start = DateTime.UtcNow.AddHours(-6);
            var events = new List<object>();
            for (var round = 0; round < perStudent; round++)
            {
                for (var s = 0; s < Students.Count; s++)
                {
                    var kind = kinds[(s + round) % kinds.Length].Split(':');
                    var at = start.AddSeconds(round * 60 + (s % 7 == 0 ? -3600 : s));
                    events.Add(Achieve.Event($"s{s}-r{round}", Students[s].Id, kind[0], kind[1], at));
                }
            }
            return events.Chunk(5_000).ToArray();
        }
    }
}

/// <summary>Two app hosts on one database share the work; each event is evaluated exactly once.</summary>
public sealed class AchievementMultiInstanceTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Worker_TwoHostsOnOneDatabase_ProcessEachEventOnce()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 300);
        await using var second = new RosetteFactory(app.Database);
        var one = await app.ClientAsync(world.AdminRoot);
        var two = await second.ClientForAsync(world.AdminRoot);
        var everyEvent = await (await one.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), frequency: 1_000_000)))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var withBadge = await (await one.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), world.Manual.Id)))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var random = new Random(6);
        var requests = Enumerable.Range(0, 20).Select(r => Enumerable.Range(0, 250)
            .Select(i => Achieve.Event($"r{r}-{i}", students[random.Next(students.Count)], "lab_completed", "lab-1")).ToArray()).ToList();

        var answers = await Task.WhenAll(requests.Select((events, r) => (r % 2 == 0 ? one : two).PostJsonAsync(Achieve.EventsUrl, events)));
        foreach (var answer in answers)
        {
            Assert.Equal(250, (await answer.IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted)).Accepted);
        }
        await Achieve.SettledAsync(app.Factory);

        var earnings = await Achieve.EarningsAsync(app.Factory, everyEvent.Id);
        Assert.Equal(5000, earnings.Count);
        Assert.All(earnings.GroupBy(e => e.UserId), g => Assert.Equal(Enumerable.Range(1, g.Count()), g.Select(e => e.Ordinal).Order()));
        Assert.Equal(5000, earnings.Select(e => e.EventSeq).Distinct().Count());
        var earners = earnings.Select(e => e.UserId).Distinct().Order().ToList();
        Assert.Equal(earners, (await Achieve.EarningsAsync(app.Factory, withBadge.Id)).Select(e => e.UserId).Order());
        Assert.Equal(earners, (await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id)).Select(a => a.StudentId).Order());
    }

    [Fact]
    public async Task ManualAndAutomaticIssuance_SameBadgeSameStudentAtOnce_EndWithExactlyOneAward()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 40);
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), world.Manual.Id)))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);

        var manual = students.Select(s => admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { s } }));
        var automatic = students.Select((s, i) => admin.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event($"e{i}", s, "lab_completed", "lab-1") }));
        var answers = await Task.WhenAll(manual.Zip(automatic, (m, a) => new[] { m, a }).SelectMany(p => p));
        var manualResults = await Task.WhenAll(answers.Where((_, i) => i % 2 == 0).Select(r => r.IsOkAsync<IssueBadgesResult>()));
        await Achieve.SettledAsync(app.Factory);

        var awards = await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id);
        Assert.Equal(students.Order(), awards.Select(a => a.StudentId).Order());
        Assert.Equal(students.Order(), (await Achieve.EarningsAsync(app.Factory, achievement.Id)).Select(e => e.UserId).Order());
        Assert.All(manualResults, r => Assert.True(r.Issued.Count == 1 || r.Failed.Single().Code == "already_earned"));
        Assert.Equal(awards.Count(a => a.Source == AwardSource.Roster), manualResults.Sum(r => r.Issued.Count));
    }
}

/// <summary>
/// A batch never writes what it decided on outdated reads. On SQLite a batch is read and decided without the write lock (a
/// draft) and written only if its events are all still pending and no earning was recorded since; on PostgreSQL a batch
/// claims its events with row locks, and another batch skips them, and the worker's loops each claim their own share of the
/// students. Either way each event is evaluated once.
/// </summary>
public sealed class AchievementDraftTests(AchievementCrashTests.WorkerlessHost app) : IClassFixture<AchievementCrashTests.WorkerlessHost>
{
    /// <summary>lab-1 earns the achievement (so the other batch also records earnings); lab-2 earns nothing, and only the events' marks tell.</summary>
    [Theory]
    [InlineData("lab-1")]
    [InlineData("lab-2")]
    public async Task Batch_WhoseEventsAnotherBatchTookFirst_WritesNothing_AndEachEventIsEvaluatedOnce(string lab)
    {
        var (achievement, events) = await PendingEventsAsync(3, lab);

        if (app.Database.IsPostgres)
        {
            await using var holder = app.Factory.Services.CreateAsyncScope();
            var db = holder.ServiceProvider.GetRequiredService<RosetteDb>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var held = await new ActivityStore(db).ClaimPendingAsync(1000, DateTime.UtcNow, UserShare.All, CancellationToken.None);
            Assert.Equal(events, held.Select(e => e.Seq));
            Assert.Equal(0, await ProcessAsync());
            await transaction.RollbackAsync();
        }
        else
        {
            await using var first = app.Factory.Services.CreateAsyncScope();
            var draft = await first.ServiceProvider.GetRequiredService<AchievementProcessor>().DraftAsync(1000, CancellationToken.None);
            Assert.Equal(events, draft!.Events.Select(e => e.Seq));
            Assert.Equal(3, await ProcessAsync());
            Assert.Null(await first.ServiceProvider.GetRequiredService<AchievementProcessor>().TryCommitAsync(draft, CancellationToken.None));
        }

        Assert.Equal(app.Database.IsPostgres ? 3 : 0, await ProcessAsync());
        Assert.Equal(lab == "lab-1" ? events : [], (await Achieve.EarningsAsync(app.Factory, achievement)).Select(e => e.EventSeq!.Value).Order());
        Assert.Equal(0, await ProcessAsync());
        Assert.Equal(3, await app.Factory.WithDbAsync(db => db.ActivityFacts.CountAsync(f => f.SubjectId == lab && db.ActivityEvents.Any(e => events.Contains(e.Seq) && e.UserId == f.UserId))));
    }

    [Fact]
    public async Task Draft_WhenAnEarningWasRecordedSinceItsReads_WritesNothing_ThenTheBatchIsDoneUnderTheLock()
    {
        var (achievement, events) = await PendingEventsAsync(2, "lab-1");
        if (app.Database.IsPostgres)
        {
            // PostgreSQL decides a batch under its users' and limited achievements' locks, in the transaction that writes it.
            Assert.Equal(2, await ProcessAsync());
            Assert.Equal(events, (await Achieve.EarningsAsync(app.Factory, achievement)).Select(e => e.EventSeq!.Value).Order());
            return;
        }
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var processor = scope.ServiceProvider.GetRequiredService<AchievementProcessor>();
        var draft = await processor.DraftAsync(1000, CancellationToken.None);
        var other = await app.NewWorldAsync();
        await app.Factory.WithDbAsync(async db =>
        {
            db.AchievementAwards.Add(AchievementAward.Create(new Earning(achievement, other.StudentB1.Id, 1, DateTime.UtcNow, 0, null, null), DateTime.UtcNow));
            await db.SaveChangesAsync();
        });

        Assert.Null(await processor.TryCommitAsync(draft!, CancellationToken.None));
        Assert.Equal(2, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => events.Contains(e.Seq) && e.ProcessedAt == null)));
        Assert.Equal([other.StudentB1.Id], (await Achieve.EarningsAsync(app.Factory, achievement)).Select(e => e.UserId));

        Assert.Equal(2, await ProcessAsync());
        Assert.Equal(events, (await Achieve.EarningsAsync(app.Factory, achievement)).Where(e => e.EventSeq is not null).Select(e => e.EventSeq!.Value).Order());
    }

    /// <summary>
    /// Decision 0009: on PostgreSQL each of the worker's loops takes only the events of its share of the students, and while
    /// an enabled achievement has a limit shared by all students, the first share takes every student's events and the
    /// others none, so that one loop's order decides who gets the last slot. SQLite refuses a share and changes nothing.
    /// </summary>
    [Fact]
    public async Task EachLoop_TakesItsShareOfTheStudents_AndALimitedAchievementLeavesThemAllToTheFirst()
    {
        var second = new UserShare(1, 2);
        var (perUser, events) = await PendingEventsAsync(24, "lab-1");
        if (!app.Database.IsPostgres)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => ProcessAsync(second));
            Assert.Equal(events.Count, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => events.Contains(e.Seq) && e.ProcessedAt == null)));
            Assert.Equal(events.Count, await ProcessAsync());
            return;
        }

        var taken = await ProcessAsync(second);
        Assert.InRange(taken, 1, events.Count - 1);
        Assert.Equal(0, await ProcessAsync(second));
        Assert.Equal(events.Count - taken, await ProcessAsync(new UserShare(0, 2)));
        Assert.Equal(events.Count, (await Achieve.EarningsAsync(app.Factory, perUser)).Count);

        var (limited, more) = await PendingEventsAsync(24, "lab-1");
        await app.Factory.WithDbAsync(db => db.Achievements.Where(a => a.Id == limited).ExecuteUpdateAsync(s => s.SetProperty(a => a.FrequencyType, FrequencyType.PerDay)));
        Assert.Equal(0, await ProcessAsync(second));
        Assert.Equal(more.Count, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => more.Contains(e.Seq) && e.ProcessedAt == null)));
        Assert.Equal(more.Count, await ProcessAsync(new UserShare(0, 2)));
        // One a day, shared by everyone: the earliest event's student has it.
        Assert.Equal([more[0]], (await Achieve.EarningsAsync(app.Factory, limited)).Select(e => e.EventSeq));
        // The other tests of this class run with no limited achievement.
        await app.Factory.WithDbAsync(db => db.Achievements.Where(a => a.Id == limited).ExecuteUpdateAsync(s => s.SetProperty(a => a.IsEnabled, false)));
    }

    /// <summary>
    /// An achievement earned by completing lab-1, and one pending event of completing <paramref name="lab"/> for each of
    /// <paramref name="count"/> new students; nothing else is pending.
    /// </summary>
    private async Task<(Guid Achievement, List<long> Events)> PendingEventsAsync(int count, string lab)
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, count);
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"))))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        // Its retroactive evaluation (no one has done anything yet) ends before the events come.
        await Achieve.SettledAsync(app.Factory);
        await (await admin.PostJsonAsync(Achieve.EventsUrl, students.Select((s, i) => Achieve.Event($"d{i}-{Guid.NewGuid():N}", s, "lab_completed", lab)).ToArray()))
            .IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
        var events = await app.Factory.WithDbAsync(db => db.ActivityEvents.Where(e => e.ProcessedAt == null).OrderBy(e => e.Seq).Select(e => e.Seq).ToListAsync());
        Assert.Equal(count, events.Count);
        return (achievement.Id, events);
    }

    private async Task<int> ProcessAsync(UserShare? share = null)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AchievementProcessor>().ProcessPendingAsync(1000, share ?? UserShare.All, CancellationToken.None);
    }
}
