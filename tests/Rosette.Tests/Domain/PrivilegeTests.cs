using Rosette.Domain;
using Rosette.Domain.Users;

namespace Rosette.Tests.Domain;

/// <summary>"Nobody manages someone with equal or more power" (Actor.MayManage), on the tree /root/ ⊃ /root/a/ ⊃ /root/a/a1/.</summary>
public sealed class PrivilegeTests
{
    private static readonly Actor System = new(Guid.NewGuid(), UserRole.Administrator, Guid.NewGuid(), "/root/", IsSystemAdministrator: true);
    private static readonly Actor AdminA = new(Guid.NewGuid(), UserRole.Administrator, Guid.NewGuid(), "/root/a/", false);
    private static readonly Actor InstructorA = new(Guid.NewGuid(), UserRole.Instructor, Guid.NewGuid(), "/root/a/", false);

    public static TheoryData<string, UserRole, string, bool, bool> Cases => new()
    {
        // actor, target role, target organization, target is system administrator, may manage
        { "system", UserRole.Administrator, "/root/", true, true },
        { "system", UserRole.Administrator, "/other/", false, true },
        { "adminA", UserRole.Administrator, "/root/", true, false },   // a system administrator in a subtree of theirs or not: never
        { "adminA", UserRole.Administrator, "/root/a/", true, false },
        { "adminA", UserRole.Administrator, "/root/a/", false, false }, // a peer
        { "adminA", UserRole.Administrator, "/root/", false, false },   // a superior
        { "adminA", UserRole.Administrator, "/root/ab/", false, false }, // a sibling whose path shares the prefix's letters
        { "adminA", UserRole.Administrator, "/root/a/a1/", false, true }, // strictly below
        { "adminA", UserRole.Instructor, "/root/a/", false, true },
        { "adminA", UserRole.Student, "/root/a/a1/", false, true },
        { "adminA", UserRole.Student, "/root/b/", false, false },
        { "instructorA", UserRole.Student, "/root/a/", false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MayManage_OnlyWithStrictlyMorePower(string actor, UserRole role, string path, bool systemAdministrator, bool expected)
    {
        var who = actor switch { "system" => System, "adminA" => AdminA, _ => InstructorA };

        Assert.Equal(expected, who.MayManage(new Authority(role, path, systemAdministrator)));
    }

    [Fact]
    public void User_Update_RefusesPeersAndGrantsAboveTheActor()
    {
        var peer = User.Create("peer@example.com", "Peer", "Admin", Guid.NewGuid(), UserRole.Administrator, DateTime.UnixEpoch).Value;
        var student = User.Create("s@example.com", "Stu", "Dent", Guid.NewGuid(), UserRole.Student, DateTime.UnixEpoch).Value;

        Assert.Equal("user_not_manageable", peer.Update(AdminA, "/root/a/", "Renamed", null, null, false, null)!.Code);
        Assert.Equal(("Peer", true), (peer.FirstName, peer.IsActive));
        Assert.Equal("role_not_grantable", student.Update(AdminA, "/root/a/", null, null, UserRole.Administrator, null, null)!.Code);
        Assert.Equal(UserRole.Student, student.Role);
        Assert.Null(student.Update(AdminA, "/root/a/a1/", null, null, UserRole.Administrator, null, null));
        Assert.Equal("role_not_grantable", User.WhyNotGranted(AdminA, UserRole.Administrator, "/root/a/")!.Code);
        Assert.Null(User.WhyNotGranted(AdminA, UserRole.Instructor, "/root/a/"));
    }
}
