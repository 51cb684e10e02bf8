using Rosette.Domain.Users;

namespace Rosette.Features.Users;

public sealed record UserDto(
    Guid Id, string Email, string FirstName, string LastName, Guid OrganizationId, UserRole Role,
    bool IsActive, bool ParticipateInAchievements, bool IsSystemAdministrator, DateTime CreatedAt)
{
    public static UserDto From(User u) => new(
        u.Id, u.Email, u.FirstName, u.LastName, u.OrganizationId, u.Role, u.IsActive, u.ParticipateInAchievements, u.IsSystemAdministrator, u.CreatedAt);
}
