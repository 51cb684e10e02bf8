using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Domain.Classes;

/// <summary>
/// An organization instructor teaches for their own organization: in a class they see and issue to the
/// students of their organization and its descendants. A contract instructor is hired for the class, may
/// belong to any organization, and sees every student of the class but nothing else of its organization.
/// </summary>
public enum InstructorKind
{
    Organization,
    Contract,
}

public sealed class ClassInstructor
{
    private ClassInstructor()
    {
    }

    public Guid ClassId { get; private set; }

    public Guid UserId { get; private set; }

    public InstructorKind Kind { get; private set; }

    public DateTime AssignedAt { get; private set; }

    public static ClassInstructor Create(Guid classId, Guid userId, InstructorKind kind, DateTime now) =>
        new() { ClassId = classId, UserId = userId, Kind = kind, AssignedAt = now };

    public void ChangeKind(InstructorKind kind) => Kind = kind;

    /// <summary>Why <paramref name="user"/> may not teach as <paramref name="kind"/>; null when they may.</summary>
    /// <remarks>
    /// An organization instructor must be someone the administrator manages. A contract instructor may come from
    /// any organization: the administrator names them by id, which they learn from the instructor.
    /// </remarks>
    public static Error? WhyNot(Actor actor, User? user, Organization? userOrganization, InstructorKind kind)
    {
        var visible = user is not null && userOrganization is not null
            && (kind == InstructorKind.Contract || actor.Administers(userOrganization.Path));
        if (!visible)
        {
            return ClassErrors.UnknownInstructor;
        }
        if (user!.Role != UserRole.Instructor)
        {
            return ClassErrors.NotAnInstructor;
        }
        return user.IsActive ? null : ClassErrors.UserInactive;
    }
}
