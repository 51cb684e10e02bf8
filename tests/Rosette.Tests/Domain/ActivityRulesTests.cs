using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Tests.Domain;

/// <summary>What a batch of events earns and leaves behind, and the rules it shares with the queries.</summary>
public sealed class ActivityRulesTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Organization Root = Organization.Create(Actor.System, "Root", null, T0).Value;

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

    [Theory]
    [InlineData(UserRole.Student, true, true)]
    [InlineData(UserRole.Student, false, false)]
    [InlineData(UserRole.Instructor, true, false)]
    [InlineData(UserRole.Administrator, true, false)]
    public void ActiveStudents_InMemoryAndAsAFilter_AreOneRule(UserRole role, bool isActive, bool expected)
    {
        var user = User.Create("someone@rosette.test", "Some", "One", Root.Id, role, T0).Value;
        Assert.Null(user.Update(Actor.System, Root.Path, null, null, null, isActive, null));

        Assert.Equal(expected, ActiveStudents.Is(role, isActive));
        Assert.Equal(expected, ActiveStudents.Filter.Compile()(user));
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
        var student = new EarnerState(new Earner(Guid.NewGuid(), true, true, true, Root.Path), new UserActivity());
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

    private static CatalogEntry Entry(Condition conditions, int points = 0, FrequencyType type = FrequencyType.PerUser) =>
        new(Achievement.Create(Root.Id, new AchievementChanges($"A {Guid.NewGuid():N}", "", points, 1, type, true, null, false), conditions, null, T0, new ValidationErrors()).Value,
            Root.Path, false);
}
