using Rosette.Domain.Courses;

namespace Rosette.Features.Courses;

public sealed record CourseDto(Guid Id, string Name, Guid OrganizationId, bool EnableAchievementsForOutsideOrganizations, DateTime CreatedAt)
{
    public static CourseDto From(Course c) => new(c.Id, c.Name, c.OrganizationId, c.EnableAchievementsForOutsideOrganizations, c.CreatedAt);
}
