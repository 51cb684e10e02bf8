using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Domain.Classes;

public sealed class Enrollment
{
    private Enrollment()
    {
    }

    public Guid ClassId { get; private set; }

    public Guid StudentId { get; private set; }

    public DateTime EnrolledAt { get; private set; }

    public bool IsActive { get; private set; }

    // A copy of the student's names, organization, role and activity, so that a class's roster is read, counted and sorted
    // from its enrollments alone. The database writes these and keeps them in step with the user (decision 0029): the app
    // never sets them.

    public string StudentFirstName { get; private set; } = "";

    public string StudentLastName { get; private set; } = "";

    public Guid StudentOrganizationId { get; private set; }

    public UserRole StudentRole { get; private set; }

    public bool StudentIsActive { get; private set; }

    public static Enrollment Create(Guid classId, Guid studentId, DateTime now) =>
        new() { ClassId = classId, StudentId = studentId, EnrolledAt = now, IsActive = true };

    public void Reactivate(DateTime now)
    {
        IsActive = true;
        EnrolledAt = now;
    }

    public void Deactivate() => IsActive = false;

    /// <summary>Why <paramref name="student"/> cannot be enrolled by <paramref name="actor"/>; null when they can.</summary>
    public static Error? WhyNot(Actor actor, User? student, Organization? studentOrganization, Enrollment? existing)
    {
        if (student is null || studentOrganization is null || !actor.Administers(studentOrganization.Path))
        {
            return ClassErrors.UnknownStudent;
        }
        return ActiveStudents.WhyNot(student.Role, student.IsActive) switch
        {
            null => existing is { IsActive: true } ? ClassErrors.AlreadyEnrolled : null,
            NotActiveStudent.NotAStudent => ClassErrors.NotAStudent,
            _ => ClassErrors.UserInactive,
        };
    }
}

public static class ClassErrors
{
    public const string NotFoundCode = "class_not_found";

    public static NotFoundError NotFound(Guid classId) => CommonErrors.NotFound(NotFoundCode, "class", classId);

    public static readonly InvalidError EndsBeforeStart =
        InvalidError.Field("endsAt", "class_ends_before_start", "The end date cannot be before the start date.");

    public static InvalidError DateGivenAndRemoved(string field) => InvalidError.Field(field, InvalidError.ValidationFailed,
        $"Give '{field}' or remove it ('remove{char.ToUpperInvariant(field[0])}{field[1..]}': true), not both.");

    public static InvalidError DateOutOfRange(string field) => InvalidError.Field(field, "class_date_out_of_range",
        $"The date must be in the years {TrainingClass.FirstYear} to {TrainingClass.LastYear}.");

    public static readonly InvalidError UnknownStudent = new("unknown_student", "No such student, or the student is outside your scope.");

    public static readonly InvalidError NotAStudent = new("not_a_student", "Only users with the student role can be enrolled.");

    public static readonly InvalidError UserInactive = new("user_inactive", "The user is deactivated.");

    public static readonly InvalidError AlreadyEnrolled = new("already_enrolled", "The student is already enrolled in this class.");

    public static readonly NotFoundError UnknownInstructor = new("user_not_found", "No such instructor, or the instructor is outside your scope.");

    public static readonly InvalidError NotAnInstructor = new("not_an_instructor", "Only users with the instructor role can teach a class.");

    public static readonly NotFoundError NotEnrolled = new("enrollment_not_found", "The student is not enrolled in this class.");

    public static readonly NotFoundError NotAssigned = new("instructor_not_found", "The user is not an instructor of this class.");

    public static readonly ForbiddenError RosterForbidden = new("forbidden", "Only the class's instructors and administrators see its roster.");
}
