using Rosette.Domain.Courses;

namespace Rosette.Features.Courses;

public sealed record CourseAssignmentDto(
    Guid Id, Guid CourseId, Guid StudentId, DateTime AssignedAt, DateTime? CompletedAt, string? StudentName = null, string? StudentEmail = null)
{
    public static CourseAssignmentDto From(CourseAssignment a) => new(a.Id, a.CourseId, a.StudentId, a.AssignedAt, a.CompletedAt);
}
