using Rosette.Domain.Classes;

namespace Rosette.Features.Classes;

public sealed record ClassInstructorDto(Guid UserId, InstructorKind Kind, string? Name = null, string? Email = null);

public sealed record ClassDto(
    Guid Id, string Name, Guid OrganizationId, Guid? CourseId, DateTime? StartsAt, DateTime? EndsAt, DateTime CreatedAt,
    IReadOnlyList<ClassInstructorDto>? Instructors = null)
{
    public static ClassDto From(TrainingClass c, IReadOnlyList<ClassInstructorDto>? instructors = null) =>
        new(c.Id, c.Name, c.OrganizationId, c.CourseId, c.StartsAt, c.EndsAt, c.CreatedAt, instructors);
}
