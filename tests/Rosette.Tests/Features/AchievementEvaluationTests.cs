using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Achievements;
using Rosette.Domain.Courses;
using Rosette.Domain.Issuance;
using Rosette.Features.Achievements;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>From an accepted event to an earning, points and an automatically issued badge, through the real worker.</summary>
public sealed class AchievementEvaluationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<(World World, HttpClient Admin)> WorldAsync()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        return (world, await app.ClientAsync(world.AdminRoot));
    }

    private static async Task<AchievementDto> CreateAsync(HttpClient admin, object body) =>
        await (await admin.PostJsonAsync(Achieve.Url, body)).IsOkAsync<AchievementDto>(HttpStatusCode.Created);

    private static async Task<PostActivityEventsResult> PostAsync(HttpClient admin, params object[] events) =>
        await (await admin.PostJsonAsync(Achieve.EventsUrl, events)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);

    private Task<DateTime> FirstAtAsync(Guid userId, ActivityType type, string subject) =>
        app.Factory.WithDbAsync(db => db.ActivityFacts.Where(f => f.UserId == userId && f.Type == type && f.SubjectId == subject).Select(f => f.FirstAt).SingleAsync());

    private static DateTime WholeSeconds(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    [Fact]
    public async Task Event_MeetsConditions_RecordsEarningAndIssuesTheBadgeAutomatically()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), world.Manual.Id, points: 10));

        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"), Achieve.Event("e2", world.StudentA2.Id, "lab_launched", "lab-1"));
        await Achieve.SettledAsync(app.Factory);

        var earning = Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id));
        Assert.Equal((world.StudentA1.Id, 1, 10), (earning.UserId, earning.Ordinal, earning.Points));
        var award = Assert.Single(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id));
        Assert.Equal((world.StudentA1.Id, AwardSource.Achievement, (Guid?)null), (award.StudentId, award.Source, award.IssuedById));
        Assert.Equal(award.Id, earning.BadgeAwardId);
    }

    [Fact]
    public async Task Events_IssuingSeveralBadgesInOneBatch_GiveTheAwardsIdsAscendingInTheirWriteOrder()
    {
        // As a roster batch's (IssuanceApiTests): the worker writes a batch's awards in (badge, student) order with ids
        // ascending in that order (Award.NumberInOrder), whatever order the events came in. One batch is one transaction: on
        // PostgreSQL the worker's loops (decision 0009) may share the students out between two, which xmin tells apart.
        var (world, admin) = await WorldAsync();
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), world.Manual.Id));
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-2"), world.Manual2.Id));
        var students = world.ClassStudents.Select(s => s.Id).OrderDescending().ToList();

        await PostAsync(admin, [.. students.SelectMany((s, i) => new[] { Achieve.Event($"a{i}", s, "lab_completed", "lab-2"), Achieve.Event($"b{i}", s, "lab_completed", "lab-1") })]);
        await Achieve.SettledAsync(app.Factory);

        var batches = await app.Factory.WithDbAsync(async db =>
        {
            var issued = await db.Awards.Where(a => (a.BadgeId == world.Manual.Id || a.BadgeId == world.Manual2.Id) && a.Source == AwardSource.Achievement)
                .Select(a => new { a.Id, a.BadgeId, a.StudentId }).ToListAsync();
            var ids = issued.Select(a => a.Id).ToArray();
            var transactions = db.IsPostgres
                ? await db.Database.SqlQueryRaw<string>("SELECT DISTINCT xmin::text AS \"Value\" FROM \"Awards\" WHERE \"Id\" = ANY({0})", ids).ToListAsync()
                : ["all"];
            var batches = new List<(List<Guid> ById, List<Guid> ByPair)>();
            foreach (var transaction in transactions)
            {
                var inIt = db.IsPostgres
                    ? (await db.Database.SqlQueryRaw<Guid>("SELECT \"Id\" AS \"Value\" FROM \"Awards\" WHERE xmin::text = {0} AND \"Id\" = ANY({1})", transaction, ids).ToListAsync()).ToHashSet()
                    : ids.ToHashSet();
                var batch = issued.Where(a => inIt.Contains(a.Id)).ToList();
                batches.Add((batch.OrderBy(a => a.Id).Select(a => a.Id).ToList(), batch.OrderBy(a => a.BadgeId).ThenBy(a => a.StudentId).Select(a => a.Id).ToList()));
            }
            return batches;
        });
        Assert.Equal(8, batches.Sum(b => b.ById.Count));
        Assert.All(batches, b => Assert.Equal(b.ByPair, b.ById));
    }

    [Fact]
    public async Task Event_BadgeAlreadyHeld_RecordsTheEarningWithoutASecondAward()
    {
        var (world, admin) = await WorldAsync();
        await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<object>();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), world.Manual.Id));

        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"));
        await Achieve.SettledAsync(app.Factory);

        var earning = Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id));
        Assert.Null(earning.BadgeAwardId);
        Assert.Equal(AwardSource.Roster, Assert.Single(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id)).Source);
    }

    [Fact]
    public async Task Points_ReachThreshold_PointsAchievementIsEarnedInTheSameRun()
    {
        var (world, admin) = await WorldAsync();
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), points: 30));
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-2"), points: 30));
        var veteran = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, new { type = "points_at_least", points = 60 }, world.Manual2.Id, points: 5));

        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"), Achieve.Event("e2", world.StudentA2.Id, "lab_completed", "lab-1"));
        await Achieve.SettledAsync(app.Factory);
        Assert.Empty(await Achieve.EarningsAsync(app.Factory, veteran.Id));
        await PostAsync(admin, Achieve.Event("e3", world.StudentA1.Id, "lab_completed", "lab-2"));
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.EarningsAsync(app.Factory, veteran.Id)).UserId);
        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual2.Id)).StudentId);
        var progress = await (await admin.GetAsync($"/api/v1/users/{world.StudentA1.Id}/achievement-progress")).IsOkAsync<UserProgressDto>();
        Assert.Equal(65, progress.Points);
    }

    [Fact]
    public async Task Create_UsersMetRequirementsBefore_AwardsRetroactively()
    {
        var (world, admin) = await WorldAsync();
        var course = world.Course.Id;
        await PostAsync(admin,
            Achieve.Event("c1", world.StudentA1.Id, "course_completed", course.ToString().ToUpperInvariant()),
            Achieve.Event("c2", world.StudentA2.Id, "lab_completed", "lab-9"));
        await Achieve.SettledAsync(app.Factory);

        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id,
            new { type = "any", conditions = new object[] { new { type = "course_completed", courseId = course }, Achieve.LabCompleted("lab-other") } }, world.Manual.Id));
        await Achieve.SettledAsync(app.Factory);

        var earning = Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id));
        Assert.Equal((world.StudentA1.Id, (long?)null), (earning.UserId, earning.EventSeq));
        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id)).StudentId);
    }

    [Fact]
    public async Task EnableAndAttachBadge_AwardsRetroactivelyAndIssuesTheBadgeToEarlierEarners()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), enabled: false));
        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"));
        await Achieve.SettledAsync(app.Factory);
        Assert.Empty(await Achieve.EarningsAsync(app.Factory, achievement.Id));

        await (await admin.PostAsync($"{Achieve.Url}/{achievement.Id}/enable", null)).IsOkAsync<AchievementDto>();
        await Achieve.SettledAsync(app.Factory);
        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id)).UserId);
        Assert.Empty(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id));

        await (await admin.PatchJsonAsync($"{Achieve.Url}/{achievement.Id}", new { badgeId = world.Manual.Id })).IsOkAsync<AchievementDto>();
        await Achieve.SettledAsync(app.Factory);
        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.BadgeAwardsAsync(app.Factory, world.Manual.Id)).StudentId);
        Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id));
    }

    [Fact]
    public async Task Event_IneligibleUsers_EarnNothing()
    {
        var (world, admin) = await WorldAsync();
        await (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { participateInAchievements = false })).IsOkAsync<object>();
        await (await admin.PatchJsonAsync($"/api/v1/organizations/{world.A1.Id}", new { enableAchievements = false })).IsOkAsync<object>();
        var achievementOfB = await CreateAsync(admin, Achieve.Achievement(world.B.Id, Achieve.LabCompleted("lab-1")));
        var achievementOfRoot = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1")));

        await PostAsync(admin,
            Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"),
            Achieve.Event("e2", world.StudentA2.Id, "lab_completed", "lab-1"),
            Achieve.Event("e3", world.StudentA1x.Id, "lab_completed", "lab-1"),
            Achieve.Event("e4", world.OrgInstructor.Id, "lab_completed", "lab-1"),
            Achieve.Event("e5", world.StudentB1.Id, "lab_completed", "lab-1"));
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(world.StudentB1.Id, Assert.Single(await Achieve.EarningsAsync(app.Factory, achievementOfB.Id)).UserId);
        Assert.Equal(new[] { world.StudentA1.Id, world.StudentB1.Id }.Order(), (await Achieve.EarningsAsync(app.Factory, achievementOfRoot.Id)).Select(e => e.UserId).Order());
        var progress = await (await admin.GetAsync($"/api/v1/users/{world.StudentA2.Id}/achievement-progress")).IsOkAsync<UserProgressDto>();
        Assert.Equal((false, "not_participating"), (progress.Eligible, progress.Reason));
    }

    [Fact]
    public async Task CourseOpenToOutsideOrganizations_LetsStudentsOfOtherOrganizationsEarnIt()
    {
        var (world, admin) = await WorldAsync();
        var open = await app.Factory.WithDbAsync(async db =>
        {
            var course = Course.Create($"Open {Guid.NewGuid():N}", world.B.Id, true, DateTime.UtcNow).Value;
            db.Courses.Add(course);
            await db.SaveChangesAsync();
            return course.Id;
        });
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.B.Id, new { type = "courses_completed", courseIds = new[] { open }, mode = "all" }));

        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "course_completed", open.ToString()));
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(world.StudentA1.Id, Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id)).UserId);
    }

    [Fact]
    public async Task Progress_CoursesCompleted_ShowsHowManyOfHowMany()
    {
        var (world, admin) = await WorldAsync();
        var courses = await app.Factory.WithDbAsync(async db =>
        {
            var list = Enumerable.Range(0, 5).Select(i => Course.Create($"Course {i} {Guid.NewGuid():N}", world.Root.Id, false, DateTime.UtcNow).Value).ToList();
            db.Courses.AddRange(list);
            await db.SaveChangesAsync();
            return list.Select(c => c.Id).ToList();
        });
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, new { type = "courses_completed", courseIds = courses, mode = "all" }, name: "Five courses"));
        await PostAsync(admin, courses.Take(3).Select((c, i) => Achieve.Event($"c{i}", world.StudentA1.Id, "course_completed", c.ToString())).ToArray());
        await Achieve.SettledAsync(app.Factory);

        var student = await app.ClientAsync(world.StudentA1);
        var progress = await (await student.GetAsync($"/api/v1/users/{world.StudentA1.Id}/achievement-progress")).IsOkAsync<UserProgressDto>();

        var five = Assert.Single(progress.Achievements, a => a.Name == "Five courses");
        Assert.Equal("3 of 5 courses completed", five.Progress.Summary);
        Assert.False(five.Met);
        Assert.True(progress.Eligible);
        await (await student.GetAsync($"/api/v1/users/{world.StudentA2.Id}/achievement-progress")).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task Frequency_PerUser_EarnsOncePerTriggeringEventUpToTheLimit()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), points: 1, frequency: 2));

        await PostAsync(admin, Enumerable.Range(0, 4).Select(i => Achieve.Event($"e{i}", world.StudentA1.Id, "lab_completed", "lab-1")).ToArray());
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal([1, 2], (await Achieve.EarningsAsync(app.Factory, achievement.Id)).Select(e => e.Ordinal).Order());
    }

    [Fact]
    public async Task Frequency_PerAchievement_StopsAtTheLimitInAll()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"), frequency: 2, frequencyType: "per_achievement"));

        await PostAsync(admin, world.ClassStudents.Select((s, i) => Achieve.Event($"e{i}", s.Id, "lab_completed", "lab-1")).ToArray());
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(2, (await Achieve.EarningsAsync(app.Factory, achievement.Id)).Count);
    }

    [Fact]
    public async Task LateEvent_AchievementAlreadyUsedUp_LowersTheFactsFirstTimeAndALaterOneDoesNotRaiseIt()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1")));
        var at = WholeSeconds(DateTime.UtcNow.AddHours(-1));

        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1", at));
        await Achieve.SettledAsync(app.Factory);
        Assert.Equal(at, await FirstAtAsync(world.StudentA1.Id, ActivityType.LabCompleted, "lab-1"));
        await PostAsync(admin, Achieve.Event("e2", world.StudentA1.Id, "lab_completed", "lab-1", at.AddHours(-2)));
        await Achieve.SettledAsync(app.Factory);
        Assert.Equal(at.AddHours(-2), await FirstAtAsync(world.StudentA1.Id, ActivityType.LabCompleted, "lab-1"));
        await PostAsync(admin, Achieve.Event("e3", world.StudentA1.Id, "lab_completed", "lab-1", at.AddMinutes(30)));
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(at.AddHours(-2), await FirstAtAsync(world.StudentA1.Id, ActivityType.LabCompleted, "lab-1"));
        Assert.Equal(at, Assert.Single(await Achieve.EarningsAsync(app.Factory, achievement.Id)).EarnedAt);
    }

    [Fact]
    public async Task Event_NoAchievementReadsIt_StillRecordsItsFact()
    {
        var (world, admin) = await WorldAsync();
        await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1")));
        var at = WholeSeconds(DateTime.UtcNow.AddHours(-1));

        await PostAsync(admin,
            Achieve.Event("e1", world.StudentA1.Id, "lab_launched", "lab-unread", at),
            Achieve.Event("e2", world.StudentA1.Id, "lab_launched", "lab-unread", at.AddMinutes(-5)));
        await Achieve.SettledAsync(app.Factory);

        Assert.Equal(at.AddMinutes(-5), await FirstAtAsync(world.StudentA1.Id, ActivityType.LabLaunched, "lab-unread"));
    }

    [Fact]
    public async Task Earners_ListsWhoEarnedIt()
    {
        var (world, admin) = await WorldAsync();
        var achievement = await CreateAsync(admin, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1")));
        await PostAsync(admin, Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1"));
        await Achieve.SettledAsync(app.Factory);

        var earners = await (await admin.GetAsync($"{Achieve.Url}/{achievement.Id}/earners")).IsOkAsync<Rosette.Infrastructure.Http.Paged<AchievementEarner>>();

        var earner = Assert.Single(earners.Items);
        Assert.Equal((world.StudentA1.Id, world.StudentA1.Email, 1), (earner.UserId, earner.Email, earner.Times));
        await (await admin.DeleteAsync($"{Achieve.Url}/{achievement.Id}")).IsProblemAsync(HttpStatusCode.Conflict, "achievement_earned");
    }
}
