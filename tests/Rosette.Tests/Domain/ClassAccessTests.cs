using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using static Rosette.Tests.Domain.OrganizationTree;

namespace Rosette.Tests.Domain;

public sealed class ClassAccessTests
{
    private static Actor Person(UserRole role, Organization organization) => new(Guid.NewGuid(), role, organization.Id, organization.Path, false);

    [Fact]
    public void OrganizationInstructor_ChoosesOnlyStudentsOfOwnSubtree()
    {
        var access = ClassAccess.For(Person(UserRole.Instructor, A), Root, InstructorKind.Organization, enrolled: false);

        Assert.Equal(ClassRole.OrganizationInstructor, access.Role);
        Assert.True(access.CanChooseStudentOf(A.Path));
        Assert.True(access.CanChooseStudentOf(A1.Path));
        Assert.False(access.CanChooseStudentOf(B.Path));
        Assert.False(access.CanChooseStudentOf(Root.Path));
        Assert.True(access.CanTeach);
        Assert.False(access.CanManage);
    }

    [Fact]
    public void ContractInstructorAndAdministrator_ChooseEveryStudent()
    {
        var contract = ClassAccess.For(Person(UserRole.Instructor, B), Root, InstructorKind.Contract, enrolled: false);
        var admin = ClassAccess.For(Person(UserRole.Administrator, Root), Root, null, enrolled: false);

        Assert.True(contract.CanChooseStudentOf(A1.Path) && contract.CanChooseStudentOf(B.Path));
        Assert.True(admin.CanChooseStudentOf(A1.Path) && admin.CanManage);
    }

    [Fact]
    public void StrangersAndStudents_CannotTeach()
    {
        var childAdmin = ClassAccess.For(Person(UserRole.Administrator, A), Root, null, enrolled: false);
        var student = ClassAccess.For(Person(UserRole.Student, A), Root, null, enrolled: true);
        var instructorElsewhere = ClassAccess.For(Person(UserRole.Instructor, A), Root, null, enrolled: false);

        Assert.False(childAdmin.CanSeeClass);
        Assert.True(student.CanSeeClass);
        Assert.False(student.CanTeach);
        Assert.False(instructorElsewhere.CanSeeClass);
    }
}
