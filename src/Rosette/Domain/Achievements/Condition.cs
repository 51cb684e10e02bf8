
namespace Rosette.Domain.Achievements;

/// <summary>
/// An achievement's requirements: a tree of typed conditions. Stored and exchanged as JSON, for example
/// <c>{"type":"all","conditions":[{"type":"lab_completed","labId":"lab-1"},{"type":"points_at_least","points":50}]}</c>.
/// </summary>
public abstract record Condition
{
    /// <summary>The (type, subject) facts this condition reads: an event with one of them may change the verdict.</summary>
    public abstract IEnumerable<(ActivityType Type, string Subject)> Facts();

    public virtual bool UsesPoints => false;

    public IEnumerable<Guid> Courses() => Facts().Where(f => f.Type == ActivityType.CourseCompleted).Select(f => Guid.Parse(f.Subject));
}

public sealed record LabLaunched(string LabId) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => [(ActivityType.LabLaunched, LabId)];
}

public sealed record LabCompleted(string LabId) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => [(ActivityType.LabCompleted, LabId)];
}

public sealed record CourseCompleted(Guid CourseId) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => [(ActivityType.CourseCompleted, ActivitySubjects.Course(CourseId))];
}

public sealed record CoursesCompleted(IReadOnlyList<Guid> CourseIds, CoursesMode Mode, int? Count) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => CourseIds.Select(c => (ActivityType.CourseCompleted, ActivitySubjects.Course(c)));

    /// <summary>How many of the courses must be completed.</summary>
    public int Required => Mode switch
    {
        CoursesMode.All => CourseIds.Count,
        CoursesMode.Any => 1,
        _ => Count ?? 1,
    };
}

public sealed record ExamPassed(string LearningPathId) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => [(ActivityType.ExamPassed, LearningPathId)];
}

/// <summary>Points from achievements already earned.</summary>
public sealed record PointsAtLeast(int Points) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => [];

    public override bool UsesPoints => true;
}

public sealed record AllOf(IReadOnlyList<Condition> Conditions) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => Conditions.SelectMany(c => c.Facts());

    public override bool UsesPoints => Conditions.Any(c => c.UsesPoints);
}

public sealed record AnyOf(IReadOnlyList<Condition> Conditions) : Condition
{
    public override IEnumerable<(ActivityType, string)> Facts() => Conditions.SelectMany(c => c.Facts());

    public override bool UsesPoints => Conditions.Any(c => c.UsesPoints);
}
