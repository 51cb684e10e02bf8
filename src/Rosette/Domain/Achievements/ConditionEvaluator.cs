namespace Rosette.Domain.Achievements;

/// <summary>How far a user is with one condition: met or not, since when, and "done of required" for progress bars.</summary>
public sealed record ConditionProgress(Condition Condition, bool Met, DateTime? MetAt, int Done, int Required, IReadOnlyList<ConditionProgress> Children);

/// <summary>Evaluates conditions against a user's activity: pure, no database.</summary>
public static class ConditionEvaluator
{
    public static bool IsMet(Condition condition, UserActivity activity) => condition switch
    {
        LabLaunched c => activity.FirstAt(ActivityType.LabLaunched, c.LabId) is not null,
        LabCompleted c => activity.FirstAt(ActivityType.LabCompleted, c.LabId) is not null,
        CourseCompleted c => activity.FirstAt(ActivityType.CourseCompleted, ActivitySubjects.Course(c.CourseId)) is not null,
        CoursesCompleted c => c.CourseIds.Count(id => activity.FirstAt(ActivityType.CourseCompleted, ActivitySubjects.Course(id)) is not null) >= c.Required,
        ExamPassed c => activity.FirstAt(ActivityType.ExamPassed, c.LearningPathId) is not null,
        PointsAtLeast c => activity.Points >= c.Points,
        AllOf c => c.Conditions.All(child => IsMet(child, activity)),
        AnyOf c => c.Conditions.Any(child => IsMet(child, activity)),
        _ => false,
    };

    public static ConditionProgress Progress(Condition condition, UserActivity activity)
    {
        switch (condition)
        {
            case LabLaunched c:
                return Leaf(c, activity.FirstAt(ActivityType.LabLaunched, c.LabId));
            case LabCompleted c:
                return Leaf(c, activity.FirstAt(ActivityType.LabCompleted, c.LabId));
            case CourseCompleted c:
                return Leaf(c, activity.FirstAt(ActivityType.CourseCompleted, ActivitySubjects.Course(c.CourseId)));
            case ExamPassed c:
                return Leaf(c, activity.FirstAt(ActivityType.ExamPassed, c.LearningPathId));
            case CoursesCompleted c:
            {
                var times = c.CourseIds.Select(id => activity.FirstAt(ActivityType.CourseCompleted, ActivitySubjects.Course(id)))
                    .OfType<DateTime>().Order().ToList();
                var met = times.Count >= c.Required;
                return new(c, met, met ? times[c.Required - 1] : null, Math.Min(times.Count, c.Required), c.Required, []);
            }
            case PointsAtLeast c:
            {
                var at = activity.PointsReachedAt(c.Points);
                return new(c, at is not null, at, Math.Min(activity.Points, c.Points), c.Points, []);
            }
            case AllOf c:
            {
                var children = c.Conditions.Select(child => Progress(child, activity)).ToList();
                var met = children.All(p => p.Met);
                return new(c, met, met ? children.Max(p => p.MetAt) : null, children.Count(p => p.Met), children.Count, children);
            }
            case AnyOf c:
            {
                var children = c.Conditions.Select(child => Progress(child, activity)).ToList();
                var met = children.Any(p => p.Met);
                return new(c, met, met ? children.Where(p => p.Met).Min(p => p.MetAt) : null, met ? 1 : 0, 1, children);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.GetType().Name);
        }
    }

    private static ConditionProgress Leaf(Condition condition, DateTime? at) => new(condition, at is not null, at, at is null ? 0 : 1, 1, []);

    /// <summary>A line for a student, e.g. "3 of 5 courses completed"; <paramref name="courseName"/> names a course id.</summary>
    public static string Describe(ConditionProgress progress, Func<Guid, string> courseName) => progress.Condition switch
    {
        LabLaunched c => $"Launch lab {c.LabId}" + (progress.Met ? ": done" : ""),
        LabCompleted c => $"Complete lab {c.LabId}" + (progress.Met ? ": done" : ""),
        CourseCompleted c => $"Complete the course {courseName(c.CourseId)}" + (progress.Met ? ": done" : ""),
        ExamPassed c => $"Pass the exam of learning path {c.LearningPathId}" + (progress.Met ? ": done" : ""),
        CoursesCompleted c => c.Mode switch
        {
            CoursesMode.All => $"{progress.Done} of {c.CourseIds.Count} courses completed",
            CoursesMode.Any => $"{(progress.Met ? "1" : "0")} of any 1 of {c.CourseIds.Count} courses completed",
            _ => $"{progress.Done} of {c.Required} courses completed (at least {c.Required} of {c.CourseIds.Count})",
        },
        PointsAtLeast c => $"{ConditionJson.Number(progress.Done)} of {ConditionJson.Number(c.Points)} points",
        AllOf => $"{progress.Done} of {progress.Required} requirements met",
        AnyOf c => progress.Met ? "One of the alternatives met" : $"None of {c.Conditions.Count} alternatives met yet",
        _ => "",
    };
}
