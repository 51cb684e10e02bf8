using Rosette.Domain;
using Rosette.Domain.Users;

namespace Rosette.Tests.Domain;

public sealed class ActiveStudentsTests
{
    [Theory]
    [InlineData(UserRole.Student, true, true)]
    [InlineData(UserRole.Student, false, false)]
    [InlineData(UserRole.Instructor, true, false)]
    [InlineData(UserRole.Administrator, true, false)]
    public void ActiveStudents_InMemoryAndAsAFilter_AreOneRule(UserRole role, bool isActive, bool expected)
    {
        var user = User.Create("someone@rosette.test", "Some", "One", Guid.NewGuid(), role, DateTime.UnixEpoch).Value;
        Assert.Null(user.Update(Actor.System, "/root/", null, null, null, isActive, null));

        Assert.Equal(expected, ActiveStudents.Is(role, isActive));
        Assert.Equal(expected, ActiveStudents.Filter.Compile()(user));
    }

    [Theory]
    [InlineData(UserRole.Student, true, null)]
    [InlineData(UserRole.Student, false, NotActiveStudent.Inactive)]
    [InlineData(UserRole.Instructor, true, NotActiveStudent.NotAStudent)]
    [InlineData(UserRole.Instructor, false, NotActiveStudent.NotAStudent)]
    [InlineData(UserRole.Administrator, true, NotActiveStudent.NotAStudent)]
    [InlineData(UserRole.Administrator, false, NotActiveStudent.NotAStudent)]
    public void WhyNot_EachRoleAndState_NamesTheReasonAndAgreesWithTheRule(UserRole role, bool isActive, NotActiveStudent? expected)
    {
        Assert.Equal(expected, ActiveStudents.WhyNot(role, isActive));
        Assert.Equal(expected is null, ActiveStudents.Is(role, isActive));
    }
}
