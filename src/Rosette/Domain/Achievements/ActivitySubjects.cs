
namespace Rosette.Domain.Achievements;

public static class ActivitySubjects
{
    public const int MaxLength = 100;

    /// <summary>Course subjects are stored in one spelling, so that "ABC..." and "abc..." are the same course.</summary>
    public static string Course(Guid courseId) => courseId.ToString("D");

    public static string Name(ActivityType type) => type switch
    {
        ActivityType.LabLaunched => "lab_launched",
        ActivityType.LabCompleted => "lab_completed",
        ActivityType.CourseCompleted => "course_completed",
        _ => "exam_passed",
    };

    public static ActivityType? Parse(string? name) => name switch
    {
        "lab_launched" => ActivityType.LabLaunched,
        "lab_completed" => ActivityType.LabCompleted,
        "course_completed" => ActivityType.CourseCompleted,
        "exam_passed" => ActivityType.ExamPassed,
        _ => null,
    };
}
