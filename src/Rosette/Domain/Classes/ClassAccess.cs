using Rosette.Domain.Organizations;

namespace Rosette.Domain.Classes;

public enum ClassRole
{
    None,
    Student,
    OrganizationInstructor,
    ContractInstructor,
    Administrator,
}

/// <summary>
/// What an actor may do in one class. The one place that decides who sees a class, its roster, and which of its
/// students they may choose: administrators of the class's organization and contract instructors choose every
/// enrolled student; an organization instructor only students of their own organization and its descendants.
/// </summary>
public sealed record ClassAccess(ClassRole Role, string? StudentScopePath)
{
    public static readonly ClassAccess None = new(ClassRole.None, null);

    public static ClassAccess For(Actor actor, Organization classOrganization, InstructorKind? assignedAs, bool enrolled) =>
        actor.Administers(classOrganization.Path) ? new(ClassRole.Administrator, null)
        : assignedAs == InstructorKind.Contract ? new(ClassRole.ContractInstructor, null)
        : assignedAs == InstructorKind.Organization ? new(ClassRole.OrganizationInstructor, actor.OrganizationPath)
        : enrolled ? new(ClassRole.Student, null)
        : None;

    /// <summary>False means the class does not exist for the actor: answer 404.</summary>
    public bool CanSeeClass => Role != ClassRole.None;

    /// <summary>Roster, issuable badges and students, and manual issuance.</summary>
    public bool CanTeach => Role is ClassRole.Administrator or ClassRole.OrganizationInstructor or ClassRole.ContractInstructor;

    public bool CanManage => Role == ClassRole.Administrator;

    public bool CanChooseStudentOf(string studentOrganizationPath) =>
        StudentScopePath is null || studentOrganizationPath.StartsWith(StudentScopePath, StringComparison.Ordinal);
}
