using Rosette.Domain.Users;

namespace Rosette.Domain;

/// <summary>
/// Who is acting: the signed-in user as the rules need them. An administrator's scope is their organization
/// and all its descendants (every organization for a system administrator).
/// </summary>
public sealed record Actor(Guid UserId, UserRole Role, Guid OrganizationId, string OrganizationPath, bool IsSystemAdministrator)
{
    /// <summary>The installation itself (bootstrap, CLI verbs, background workers): a system administrator.</summary>
    public static readonly Actor System = new(Guid.Empty, UserRole.Administrator, Guid.Empty, "/", IsSystemAdministrator: true);

    public bool IsAdministrator => Role == UserRole.Administrator;

    public bool IsInstructor => Role == UserRole.Instructor;

    public bool IsStudent => Role == UserRole.Student;

    /// <summary>The path prefix of the actor's scope, or null when the scope is every organization.</summary>
    public string? ScopePath => IsSystemAdministrator ? null : OrganizationPath;

    public bool Administers(string organizationPath) =>
        IsAdministrator && (IsSystemAdministrator || organizationPath.StartsWith(OrganizationPath, StringComparison.Ordinal));
}
