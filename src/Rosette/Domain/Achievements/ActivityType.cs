
namespace Rosette.Domain.Achievements;

/// <summary>What a student does, as reported by activity events; each is about one subject (a lab, a course, a learning path).</summary>
public enum ActivityType
{
    LabLaunched,
    LabCompleted,
    CourseCompleted,
    ExamPassed,
}
