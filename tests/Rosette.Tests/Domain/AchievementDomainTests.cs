using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;

namespace Rosette.Tests.Domain;

public sealed class AchievementConditionJsonTests
{
    [Fact]
    public void Parse_EveryConditionType_RoundTripsThroughJson()
    {
        var course = Guid.NewGuid();
        var json = $$"""
            {"type":"all","conditions":[{"type":"lab_launched","labId":"a"},{"type":"lab_completed","labId":"b"},{"type":"course_completed","courseId":"{{course}}"},
            {"type":"any","conditions":[{"type":"courses_completed","courseIds":["{{course}}","{{Guid.NewGuid()}}"],"mode":"at_least","count":2},{"type":"exam_passed","learningPathId":"lp"}]},
            {"type":"points_at_least","points":100}]}
            """;

        var parsed = ConditionJson.Parse(json).Value;

        Assert.Equal(ConditionJson.Serialize(parsed), ConditionJson.Serialize(ConditionJson.Parse(ConditionJson.Serialize(parsed)).Value));
        var all = Assert.IsType<AllOf>(parsed);
        Assert.Equal(5, all.Conditions.Count);
        Assert.Equal(2, Assert.IsType<CoursesCompleted>(Assert.IsType<AnyOf>(all.Conditions[3]).Conditions[0]).Required);
        Assert.True(parsed.UsesPoints);
        Assert.Equal(2, parsed.Courses().Distinct().Count());
    }

    [Theory]
    [InlineData("""{"labId":"a"}""", "conditions.type")]
    [InlineData("""{"type":"lab_done","labId":"a"}""", "conditions.type")]
    [InlineData("""{"type":"lab_completed"}""", "conditions.labId")]
    [InlineData("""{"type":"lab_completed","labId":"a","extra":1}""", "conditions.extra")]
    [InlineData("""{"type":"course_completed","courseId":"nope"}""", "conditions.courseId")]
    [InlineData("""{"type":"courses_completed","courseIds":[],"mode":"all"}""", "conditions.courseIds")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11","3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"any"}""", "conditions.courseIds[1]")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"some"}""", "conditions.mode")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"at_least","count":2}""", "conditions.count")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"all","count":1}""", "conditions.count")]
    [InlineData("""{"type":"points_at_least","points":1.5}""", "conditions.points")]
    [InlineData("""{"type":"all","conditions":[]}""", "conditions.conditions")]
    [InlineData("""{"type":"any","conditions":[{"type":"all","conditions":[{"type":"exam_passed"}]}]}""", "conditions.conditions[0].conditions[0].learningPathId")]
    [InlineData("""[1]""", "conditions")]
    [InlineData("""{"type":""", "conditions")]
    public void Parse_InvalidCondition_NamesThePath(string json, string path)
    {
        var error = Assert.IsType<InvalidError>(ConditionJson.Parse(json).Error);

        Assert.Equal("invalid_conditions", error.Code);
        Assert.Contains(path, error.Fields!.Keys);
        Assert.Contains($"'{path}'", error.Fields[path][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"points_at_least","points":"5"}""", "conditions.points")]
    [InlineData("""{"type":"points_at_least","points":null}""", "conditions.points")]
    [InlineData("""{"type":"points_at_least","points":true}""", "conditions.points")]
    [InlineData("""{"type":"points_at_least","points":[5]}""", "conditions.points")]
    [InlineData("""{"type":"points_at_least","points":{"n":5}}""", "conditions.points")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"at_least","count":"1"}""", "conditions.count")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"at_least","count":false}""", "conditions.count")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"at_least","count":[1]}""", "conditions.count")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":"at_least","count":{}}""", "conditions.count")]
    [InlineData("""{"type":"courses_completed","courseIds":[7],"mode":["all"]}""", "conditions.courseIds[0]")]
    [InlineData("""{"type":"courses_completed","courseIds":["3f1c1f9e-9a0b-4c39-8d73-0a1f5e0e6f11"],"mode":1}""", "conditions.mode")]
    [InlineData("""{"type":"courses_completed","courseIds":{"a":1},"mode":"all"}""", "conditions.courseIds")]
    [InlineData("""{"type":"course_completed","courseId":{"id":1}}""", "conditions.courseId")]
    [InlineData("""{"type":"lab_completed","labId":12}""", "conditions.labId")]
    [InlineData("""{"type":"exam_passed","learningPathId":false}""", "conditions.learningPathId")]
    [InlineData("""{"type":["all"]}""", "conditions.type")]
    [InlineData("""{"type":"any","conditions":{"type":"lab_completed"}}""", "conditions.conditions")]
    public void Parse_MemberOfTheWrongJsonType_NamesThePath(string json, string path)
    {
        var error = Assert.IsType<InvalidError>(ConditionJson.Parse(json).Error);

        Assert.Equal("invalid_conditions", error.Code);
        Assert.Contains(path, error.Fields!.Keys);
    }

    [Fact]
    public void Parse_TooDeep_IsRefused()
    {
        var json = """{"type":"lab_completed","labId":"a"}""";
        for (var i = 0; i < ConditionJson.MaxDepth; i++)
        {
            json = $$"""{"type":"all","conditions":[{{json}}]}""";
        }

        Assert.Equal("invalid_conditions", ConditionJson.Parse(json).Error!.Code);
    }
}

public sealed class AchievementConditionEvaluatorTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Progress_CoursesCompleted_CountsAndDatesTheRequiredOne()
    {
        var courses = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var activity = new UserActivity();
        for (var i = 0; i < 3; i++)
        {
            activity.Record(ActivityType.CourseCompleted, ActivitySubjects.Course(courses[i]), T0.AddDays(3 - i));
        }

        var all = ConditionEvaluator.Progress(new CoursesCompleted(courses, CoursesMode.All, null), activity);
        var atLeast = ConditionEvaluator.Progress(new CoursesCompleted(courses, CoursesMode.AtLeast, 2), activity);
        var any = ConditionEvaluator.Progress(new CoursesCompleted(courses, CoursesMode.Any, null), activity);

        Assert.Equal((false, 3, 5), (all.Met, all.Done, all.Required));
        Assert.Equal("3 of 5 courses completed", ConditionEvaluator.Describe(all, id => id.ToString()));
        Assert.Equal((true, T0.AddDays(2)), (atLeast.Met, atLeast.MetAt));
        Assert.Equal((true, T0.AddDays(1)), (any.Met, any.MetAt));
    }

    [Fact]
    public void IsMet_Combinators_FollowAllAndAny()
    {
        var activity = new UserActivity();
        activity.Record(ActivityType.LabCompleted, "a", T0);
        activity.Record(ActivityType.ExamPassed, "lp", T0.AddHours(1));
        Condition a = new LabCompleted("a"), launched = new LabLaunched("a"), exam = new ExamPassed("lp");

        Assert.True(ConditionEvaluator.IsMet(new AllOf([a, exam]), activity));
        Assert.False(ConditionEvaluator.IsMet(new AllOf([a, launched]), activity));
        Assert.True(ConditionEvaluator.IsMet(new AnyOf([launched, exam]), activity));
        Assert.False(ConditionEvaluator.IsMet(new AnyOf([launched, new CourseCompleted(Guid.NewGuid())]), activity));
        Assert.Equal(T0.AddHours(1), ConditionEvaluator.Progress(new AllOf([a, exam]), activity).MetAt);
        Assert.Equal(T0, ConditionEvaluator.Progress(new AnyOf([a, exam]), activity).MetAt);
    }

    [Fact]
    public void PointsAtLeast_MetWhenEarnedPointsReachTheThreshold()
    {
        var activity = new UserActivity();
        activity.AddPoints(T0.AddDays(2), 30);
        activity.AddPoints(T0, 20);
        var condition = new PointsAtLeast(40);

        Assert.False(ConditionEvaluator.IsMet(new PointsAtLeast(51), activity));
        var progress = ConditionEvaluator.Progress(condition, activity);
        Assert.Equal((true, T0.AddDays(2), 40), (progress.Met, progress.MetAt, progress.Done));
        Assert.Equal("40 of 40 points", ConditionEvaluator.Describe(progress, _ => ""));
    }

    [Fact]
    public void AddPoints_BeyondIntRange_SaturatesInsteadOfTurningNegative()
    {
        var activity = new UserActivity();
        for (var i = 0; i < 2_200; i++)
        {
            activity.AddPoints(T0.AddMinutes(i), 1_000_000);
        }

        Assert.Equal(int.MaxValue, activity.Points);
        Assert.True(ConditionEvaluator.IsMet(new PointsAtLeast(ConditionJson.MaxPoints), activity));
        Assert.Equal(T0.AddMinutes(9), activity.PointsReachedAt(ConditionJson.MaxPoints));
        Assert.Equal(T0.AddMinutes(2_147), activity.PointsReachedAt(int.MaxValue));
    }

    [Fact]
    public void Record_KeepsTheEarliestTime()
    {
        var activity = new UserActivity();

        Assert.True(activity.Record(ActivityType.LabLaunched, "a", T0));
        Assert.False(activity.Record(ActivityType.LabLaunched, "a", T0.AddDays(1)));
        Assert.True(activity.Record(ActivityType.LabLaunched, "a", T0.AddDays(-1)));
        Assert.Equal(T0.AddDays(-1), activity.FirstAt(ActivityType.LabLaunched, "a"));
    }
}

public sealed class AchievementRulesTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Organization Root = Organization.Create(Actor.System, "Root", null, Now).Value;
    private static readonly Organization Child = Organization.Create(Actor.System, "Child", Root, Now).Value;
    private static readonly Organization Other = Organization.Create(Actor.System, "Other", null, Now).Value;

    private static Achievement Make(Guid organizationId, int frequency = 1, FrequencyType type = FrequencyType.PerUser, int points = 0, Condition? conditions = null, Guid? badgeId = null) =>
        Achievement.Create(organizationId, new AchievementChanges("A", "", points, frequency, type, true, null, false), conditions ?? new LabCompleted("lab"), null, Now, new ValidationErrors()).Value;

    private static Earner Student(Organization organization, bool participates = true, bool enabled = true, bool student = true) =>
        new(Guid.NewGuid(), student, participates, enabled, organization.Path);

    [Fact]
    public void WhyNotEligible_EachRule_HasItsCode()
    {
        var ofRoot = new CatalogEntry(Make(Root.Id), Root.Path, false);
        var openOfOther = new CatalogEntry(Make(Other.Id), Other.Path, true);

        Assert.Null(AchievementRules.WhyNotEligible(Student(Child), ofRoot));
        Assert.Null(AchievementRules.WhyNotEligible(Student(Child), openOfOther));
        Assert.Equal("outside_organization", AchievementRules.WhyNotEligible(Student(Other), ofRoot)?.Code);
        Assert.Equal("outside_organization", AchievementRules.WhyNotEligible(Student(Root), new CatalogEntry(Make(Child.Id), Child.Path, false))?.Code);
        Assert.Equal("not_participating", AchievementRules.WhyNotEligible(Student(Root, participates: false), ofRoot)?.Code);
        Assert.Equal("achievements_disabled", AchievementRules.WhyNotEligible(Student(Root, enabled: false), ofRoot)?.Code);
        Assert.Equal("not_a_student", AchievementRules.WhyNotEligible(Student(Root, student: false), ofRoot)?.Code);
    }

    [Fact]
    public void IsOpenToOutsiders_NeedsCoursesAllOfWhichEnableIt()
    {
        var open = Guid.NewGuid();
        var closed = Guid.NewGuid();

        Assert.True(AchievementRules.IsOpenToOutsiders(new CourseCompleted(open), id => id == open));
        Assert.False(AchievementRules.IsOpenToOutsiders(new AllOf([new CourseCompleted(open), new CourseCompleted(closed)]), id => id == open));
        Assert.False(AchievementRules.IsOpenToOutsiders(new LabCompleted("lab"), _ => true));
    }

    [Fact]
    public void WhyNotAttach_OwnOrAvailableAndNotArchived()
    {
        var own = Badge.Create("Own", "d", null, Child, true, null, [], Now).Value;
        var shared = Badge.Create("Shared", "d", null, Root, true, null, [Child], Now).Value;
        var archived = Badge.Create("Old", "d", null, Child, true, null, [], Now).Value;
        archived.Update(new BadgeChanges(null, null, null, null, true, null, false, null), Child, Now);

        Assert.Null(AchievementRules.WhyNotAttach(own, own.Id, Child.Id));
        Assert.Null(AchievementRules.WhyNotAttach(shared, shared.Id, Child.Id));
        Assert.Equal("badge_not_available", AchievementRules.WhyNotAttach(own, own.Id, Root.Id)?.Code);
        Assert.Equal("badge_archived", AchievementRules.WhyNotAttach(archived, archived.Id, Child.Id)?.Code);
        Assert.Equal("unknown_badge", AchievementRules.WhyNotAttach(null, Guid.NewGuid(), Child.Id)?.Code);
    }

    [Fact]
    public void WhyNotName_EveryCourse_MustBeNameableFromTheAchievementsOrganization()
    {
        var own = new NamedCourse(Guid.NewGuid(), "Own", Child.Path, false);
        var ofRoot = new NamedCourse(Guid.NewGuid(), "Of root", Root.Path, false);
        var open = new NamedCourse(Guid.NewGuid(), "Open", Other.Path, true);
        var ofOther = new NamedCourse(Guid.NewGuid(), "Private", Other.Path, false);
        var seen = new[] { own, ofRoot, open, ofOther }.ToDictionary(c => c.Id);
        var random = Guid.NewGuid();

        Assert.Null(AchievementRules.WhyNotName(new AllOf([new CourseCompleted(own.Id), new CourseCompleted(open.Id)]), seen, Child.Path));
        Assert.Null(AchievementRules.WhyNotName(new CourseCompleted(own.Id), seen, Root.Path));
        Assert.Null(AchievementRules.WhyNotName(new LabCompleted("lab"), new Dictionary<Guid, NamedCourse>(), Child.Path));
        // Seen by whoever saves it, but private to an organization beside or above the achievement's: refused, and named.
        var beside = Assert.IsType<InvalidError>(AchievementRules.WhyNotName(new CourseCompleted(ofOther.Id), seen, Child.Path));
        Assert.Equal(("course_not_available", "conditions.courseId"), (beside.Code, Assert.Single(beside.Fields!).Key));
        Assert.Contains("'Private'", beside.Message, StringComparison.Ordinal);
        Assert.Equal("course_not_available", AchievementRules.WhyNotName(new CourseCompleted(ofRoot.Id), seen, Child.Path)?.Code);
        Assert.Equal("unknown_course", AchievementRules.WhyNotName(new CourseCompleted(random), seen, Child.Path)?.Code);
        var both = Assert.IsType<InvalidError>(AchievementRules.WhyNotName(new CoursesCompleted([random, ofOther.Id, own.Id], CoursesMode.All, null), seen, Child.Path));
        Assert.Equal(["conditions.courseIds[0]", "conditions.courseIds[1]"], both.Fields!.Keys.Order());
    }

    [Theory]
    [InlineData(FrequencyType.PerUser, 2, 1, 0, 0, true)]
    [InlineData(FrequencyType.PerUser, 2, 2, 0, 0, false)]
    [InlineData(FrequencyType.PerAchievement, 5, 0, 4, 0, true)]
    [InlineData(FrequencyType.PerAchievement, 5, 0, 5, 0, false)]
    [InlineData(FrequencyType.PerAchievement, 5, 1, 1, 0, false)]
    [InlineData(FrequencyType.PerDay, 3, 0, 99, 2, true)]
    [InlineData(FrequencyType.PerDay, 3, 0, 99, 3, false)]
    public void MayEarn_FollowsTheFrequencyType(FrequencyType type, int frequency, int earnedEarlierDays, int inAll, int thatDay, bool expected)
    {
        var earned = Enumerable.Range(1, earnedEarlierDays).Select(d => Now.AddDays(-d)).ToList();

        Assert.Equal(expected, AchievementRules.MayEarn(Make(Root.Id, frequency, type), earned, Now, inAll, thatDay));
    }

    [Fact]
    public void MayEarn_PerDay_OncePerUserPerDay()
    {
        var achievement = Make(Root.Id, 10, FrequencyType.PerDay);

        Assert.False(AchievementRules.MayEarn(achievement, [Now.AddHours(-1)], Now, 1, 1));
        Assert.True(AchievementRules.MayEarn(achievement, [Now.AddDays(-1)], Now, 1, 0));
    }

    [Fact]
    public void Update_SaysWhenARetroactiveEvaluationIsDue()
    {
        var achievement = Make(Root.Id);
        var badge = Badge.Create("B", "d", null, Root, true, null, [], Now).Value;
        AchievementChanges None() => new(null, null, null, null, null, null, null, false);

        Assert.False(achievement.Update(None() with { Name = "Renamed", Points = 5 }, null, null, Now, new ValidationErrors()).Value);
        Assert.False(achievement.Update(None(), new LabCompleted("lab"), null, Now, new ValidationErrors()).Value);
        Assert.True(achievement.Update(None(), new LabCompleted("other"), null, Now, new ValidationErrors()).Value);
        Assert.True(achievement.Update(None() with { BadgeId = badge.Id }, null, badge, Now, new ValidationErrors()).Value);
        Assert.False(achievement.SetEnabled(false, Now));
        Assert.False(achievement.Update(None() with { BadgeId = null, RemoveBadge = true }, new LabCompleted("third"), null, Now, new ValidationErrors()).Value);
        Assert.True(achievement.SetEnabled(true, Now));
    }
}

public sealed class AchievementEngineTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Organization Root = Organization.Create(Actor.System, "Root", null, T0).Value;

    private static CatalogEntry Entry(Condition conditions, int points = 0, int frequency = 1, FrequencyType type = FrequencyType.PerUser, bool enabled = true)
    {
        var achievement = Achievement.Create(Root.Id, new AchievementChanges($"A {Guid.NewGuid():N}", "", points, frequency, type, enabled, null, false), conditions, null, T0, new ValidationErrors()).Value;
        return new CatalogEntry(achievement, Root.Path, false);
    }

    private static EarnerState Student(bool participates = true) => new(new Earner(Guid.NewGuid(), true, participates, true, Root.Path), new UserActivity());

    [Fact]
    public void OnEvent_CompletesRequirements_EarnsOnceAtTheEventsTime()
    {
        var both = Entry(new AllOf([new LabCompleted("a"), new LabCompleted("b")]), points: 10);
        var catalog = new AchievementCatalog([both]);
        var user = Student();
        var earnings = new List<Earning>();

        AchievementEngine.OnEvent(catalog, user, new EarningCounters(), ActivityType.LabCompleted, "a", T0, 1, earnings);
        AchievementEngine.OnEvent(catalog, user, new EarningCounters(), ActivityType.LabCompleted, "b", T0.AddHours(1), 2, earnings);
        AchievementEngine.OnEvent(catalog, user, new EarningCounters(), ActivityType.LabCompleted, "b", T0.AddHours(2), 3, earnings);

        var earning = Assert.Single(earnings);
        Assert.Equal((1, T0.AddHours(1), 10, (long?)2), (earning.Ordinal, earning.EarnedAt, earning.Points, earning.EventSeq));
        Assert.Equal(10, user.Activity.Points);
    }

    [Fact]
    public void OnEvent_PointsCascade_EarnsDependentsOncePerTrigger()
    {
        var lab = Entry(new LabCompleted("a"), points: 50, frequency: 10);
        var fifty = Entry(new PointsAtLeast(50), points: 1, frequency: 10);
        var disabled = Entry(new PointsAtLeast(1), enabled: false);
        var catalog = new AchievementCatalog([lab, fifty, disabled]);
        var user = Student();
        var earnings = new List<Earning>();

        AchievementEngine.OnEvent(catalog, user, new EarningCounters(), ActivityType.LabCompleted, "a", T0, 1, earnings);

        Assert.Equal([lab.Achievement.Id, fifty.Achievement.Id], earnings.Select(e => e.AchievementId));
        Assert.Equal(51, user.Activity.Points);
    }

    [Fact]
    public void OnEvent_LimitsInAllAndPerDay_AreCountedAcrossUsers()
    {
        var perAchievement = Entry(new LabLaunched("a"), frequency: 2, type: FrequencyType.PerAchievement);
        var perDay = Entry(new LabLaunched("a"), frequency: 1, type: FrequencyType.PerDay);
        var catalog = new AchievementCatalog([perAchievement, perDay]);
        var counters = new EarningCounters();
        var earnings = new List<Earning>();
        var users = Enumerable.Range(0, 3).Select(_ => Student()).ToList();

        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            AchievementEngine.OnEvent(catalog, user, counters, ActivityType.LabLaunched, "a", T0.AddDays(i / 2), i, earnings);
        }

        Assert.Equal([users[0].Earner.UserId, users[1].Earner.UserId], earnings.Where(e => e.AchievementId == perAchievement.Achievement.Id).Select(e => e.UserId));
        Assert.Equal([users[0].Earner.UserId, users[2].Earner.UserId], earnings.Where(e => e.AchievementId == perDay.Achievement.Id).Select(e => e.UserId));
    }

    [Fact]
    public void OnEvent_IneligibleUser_RecordsTheFactButEarnsNothing()
    {
        var catalog = new AchievementCatalog([Entry(new LabLaunched("a"))]);
        var user = Student(participates: false);
        var earnings = new List<Earning>();

        AchievementEngine.OnEvent(catalog, user, new EarningCounters(), ActivityType.LabLaunched, "a", T0, 1, earnings);

        Assert.Empty(earnings);
        Assert.Equal(T0, user.Activity.FirstAt(ActivityType.LabLaunched, "a"));
    }

    [Fact]
    public void Reevaluate_MetBefore_EarnsOnceAtTheTimeTheRequirementsWereMet()
    {
        var entry = Entry(new AnyOf([new LabCompleted("a"), new ExamPassed("lp")]), frequency: 5);
        var catalog = new AchievementCatalog([entry]);
        var user = Student();
        user.Activity.Record(ActivityType.ExamPassed, "lp", T0.AddDays(-3));
        user.Activity.Record(ActivityType.LabCompleted, "a", T0.AddDays(-1));
        var earnings = new List<Earning>();

        AchievementEngine.Reevaluate(catalog, user, new EarningCounters(), entry, earnings);
        AchievementEngine.Reevaluate(catalog, user, new EarningCounters(), entry, earnings);

        var earning = Assert.Single(earnings);
        Assert.Equal((T0.AddDays(-3), (long?)null), (earning.EarnedAt, earning.EventSeq));
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(60, 0, false)]
    [InlineData(-60, 0, true)]
    public void Supersedes_OnlyAnEarlierTime_ReplacesAKnownFact(int atSeconds, int knownSeconds, bool expected)
    {
        var fact = ActivityFact.Create(Guid.NewGuid(), ActivityType.LabCompleted, "lab", T0.AddSeconds(knownSeconds));
        var activity = new UserActivity();
        activity.Record(ActivityType.LabCompleted, "lab", T0.AddSeconds(knownSeconds));

        fact.Observe(T0.AddSeconds(atSeconds));

        Assert.Equal(expected, ActivityFact.Supersedes(T0.AddSeconds(atSeconds), T0.AddSeconds(knownSeconds)));
        Assert.Equal(expected, activity.Record(ActivityType.LabCompleted, "lab", T0.AddSeconds(atSeconds)));
        Assert.Equal(expected ? T0.AddSeconds(atSeconds) : T0.AddSeconds(knownSeconds), fact.FirstAt);
    }

    /// <summary>
    /// Each row: the events of one student (lab, minutes after T0), then the earnings of "complete lab a" (earned once) and
    /// "complete lab a and lab b" as "achievement@minute" (by time, then name), and the facts left as "lab@minute".
    /// </summary>
    [Theory]
    [InlineData("a@5", "one@5", "a@5")]
    [InlineData("a@5 a@2", "one@5", "a@2")]
    [InlineData("b@1 a@5", "both@5 one@5", "a@5 b@1")]
    [InlineData("a@5 b@9 b@3 a@1", "one@5 both@9", "a@1 b@3")]
    [InlineData("c@1", "", "c@1")]
    public void OnEvents_EarnsAtTheTriggeringEvent_AndKeepsTheEarliestFact(string events, string expectedEarnings, string expectedFacts)
    {
        var one = Entry(new LabCompleted("a"));
        var both = Entry(new AllOf([new LabCompleted("a"), new LabCompleted("b")]));
        var student = Student();
        var pending = events.Split(' ').Select((e, i) => new PendingEvent(i + 1, student.Earner.UserId, ActivityType.LabCompleted, e[..1], At(e))).ToList();

        var outcome = AchievementEngine.OnEvents(new AchievementCatalog([one, both]), new Dictionary<Guid, EarnerState> { [student.Earner.UserId] = student }, new EarningCounters(), pending);

        var names = new Dictionary<Guid, string> { [one.Achievement.Id] = "one", [both.Achievement.Id] = "both" };
        Assert.Equal(expectedEarnings, string.Join(' ', outcome.Earnings.OrderBy(e => e.EarnedAt).ThenBy(e => names[e.AchievementId], StringComparer.Ordinal)
            .Select(e => $"{names[e.AchievementId]}@{(e.EarnedAt - T0).TotalMinutes}")));
        Assert.Equal(expectedFacts, string.Join(' ', outcome.Facts.OrderBy(f => f.SubjectId).Select(f => $"{f.SubjectId}@{(f.FirstAt - T0).TotalMinutes}")));
    }

    [Fact]
    public void OnEvents_IneligibleStudent_EarnsNothing_ButLeavesTheFacts()
    {
        var student = new EarnerState(new Earner(Guid.NewGuid(), false, true, true, Root.Path), new UserActivity());

        var outcome = AchievementEngine.OnEvents(new AchievementCatalog([Entry(new LabCompleted("a"))]), new Dictionary<Guid, EarnerState> { [student.Earner.UserId] = student },
            new EarningCounters(), [new PendingEvent(1, student.Earner.UserId, ActivityType.LabCompleted, "a", T0)]);

        Assert.Empty(outcome.Earnings);
        Assert.Equal(T0, Assert.Single(outcome.Facts).FirstAt);
    }

    [Fact]
    public void TriggeredBy_AnAchievementWithPoints_BringsThoseReadingPoints_AndLimitedKeepsTheSharedLimits()
    {
        var perUser = Entry(new LabCompleted("a"), points: 10);
        var perDay = Entry(new LabCompleted("b"), type: FrequencyType.PerDay);
        var readsPoints = Entry(new PointsAtLeast(10), type: FrequencyType.PerAchievement);
        var catalog = new AchievementCatalog([perUser, perDay, readsPoints]);
        PendingEvent Event(string lab) => new(1, Guid.NewGuid(), ActivityType.LabCompleted, lab, T0);

        Assert.Equal([perDay.Achievement], AchievementCatalog.Limited(catalog.TriggeredBy([Event("b")])));
        Assert.Equal(
            new[] { perDay.Achievement.Id, readsPoints.Achievement.Id }.Order(),
            AchievementCatalog.Limited(catalog.TriggeredBy([Event("a"), Event("b")])).Select(a => a.Id).Order());
    }

    private static DateTime At(string e) => T0.AddMinutes(int.Parse(e[2..], System.Globalization.CultureInfo.InvariantCulture));
}

public sealed class AchievementActivityEventRulesTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(null, "u", "lab_launched", "s", "2026-03-01T08:00:00Z", "invalid_id")]
    [InlineData("1", "not-a-guid", "lab_launched", "s", "2026-03-01T08:00:00Z", "unknown_user")]
    [InlineData("1", "u", "lab_started", "s", "2026-03-01T08:00:00Z", "invalid_type")]
    [InlineData("1", "u", "lab_launched", " ", "2026-03-01T08:00:00Z", "invalid_subject")]
    [InlineData("1", "u", "course_completed", "course-1", "2026-03-01T08:00:00Z", "unknown_course")]
    [InlineData("1", "u", "exam_passed", "lp", "yesterday", "invalid_occurred_at")]
    [InlineData("1", "u", "exam_passed", "lp", "2026-03-01T08:00:00", "invalid_occurred_at")]
    [InlineData("1", "u", "exam_passed", "lp", "2026-03-01T09:06:00Z", "occurred_in_future")]
    public void Parse_InvalidEvent_IsRejectedWithItsCode(string? id, string user, string type, string subject, string occurredAt, string code)
    {
        var input = new ActivityEventInput(id, user == "u" ? Guid.NewGuid().ToString() : user, type, subject, occurredAt, null);

        Assert.Equal(code, ActivityEventRules.Parse(input, Now).Error?.Code);
    }

    [Fact]
    public void Parse_ValidEvent_NormalisesCourseIdsAndTimes()
    {
        var course = Guid.NewGuid();
        var input = new ActivityEventInput(" e-1 ", Guid.NewGuid().ToString(), "course_completed", course.ToString("N").ToUpperInvariant(), "2026-03-01T10:04:05.678+02:00", 90);

        var parsed = ActivityEventRules.Parse(input, Now).Value;

        Assert.Equal(("e-1", course.ToString("D"), new DateTime(2026, 3, 1, 8, 4, 5, DateTimeKind.Utc), (double?)90), (parsed.Id, parsed.SubjectId, parsed.OccurredAt, parsed.Score));
        Assert.Equal("invalid_score", ActivityEventRules.Parse(input with { Score = -1 }, Now).Error?.Code);
    }
}
