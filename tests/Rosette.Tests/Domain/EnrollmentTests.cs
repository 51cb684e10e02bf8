using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using static Rosette.Tests.Domain.OrganizationTree;

namespace Rosette.Tests.Domain;

public sealed class EnrollmentTests
{
    private static readonly Actor AdminOfA = new(Guid.NewGuid(), UserRole.Administrator, A.Id, A.Path, false);

    [Theory]
    // the user (none, or a role in A or B), active, the enrollment already there, the expected code
    [InlineData(null, true, null, "unknown_student")]
    [InlineData("student-b", true, null, "unknown_student")]
    [InlineData("instructor-a", true, null, "not_a_student")]
    [InlineData("administrator-a", true, null, "not_a_student")]
    [InlineData("student-a", false, null, "user_inactive")]
    [InlineData("instructor-a", false, null, "not_a_student")]
    [InlineData("student-a", true, true, "already_enrolled")]
    [InlineData("student-a", true, false, null)]
    [InlineData("student-a", true, null, null)]
    public void WhyNot_AnActiveStudentInTheActorsScope_NotAlreadyEnrolled(string? user, bool active, bool? enrolledActive, string? code)
    {
        var (student, organization) = user switch
        {
            null => ((User?)null, (Organization?)null),
            "student-b" => (NewUser(UserRole.Student, B), B),
            "instructor-a" => (NewUser(UserRole.Instructor, A), A),
            "administrator-a" => (NewUser(UserRole.Administrator, A), A),
            _ => (NewUser(UserRole.Student, A), A),
        };
        if (!active)
        {
            Assert.Null(student!.Update(Actor.System, organization!.Path, null, null, null, isActive: false, null));
        }
        var existing = enrolledActive is not null ? Enrollment.Create(Guid.NewGuid(), student!.Id, Now) : null;
        if (enrolledActive == false)
        {
            existing!.Deactivate();
        }

        Assert.Equal(code, Enrollment.WhyNot(AdminOfA, student, organization, existing)?.Code);
    }

    [Fact]
    public void Reactivate_MakesTheEnrollmentActiveFromNow()
    {
        var enrollment = Enrollment.Create(Guid.NewGuid(), Guid.NewGuid(), Now.AddDays(-10));
        enrollment.Deactivate();
        Assert.False(enrollment.IsActive);

        enrollment.Reactivate(Now);

        Assert.Equal((true, Now), (enrollment.IsActive, enrollment.EnrolledAt));
    }

    private static User NewUser(UserRole role, Organization organization) =>
        User.Create($"{Guid.NewGuid():N}@example.com", "Ada", "Lovelace", organization.Id, role, Now).Value;
}
