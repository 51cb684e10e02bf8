using Rosette.Domain;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Tests.Domain;

public sealed class OrganizationTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static Actor AdminOf(Organization organization) => new(Guid.NewGuid(), UserRole.Administrator, organization.Id, organization.Path, false);

    [Fact]
    public void Create_Child_PathExtendsTheParents()
    {
        var root = Organization.Create(Actor.System, "Root", null, Now).Value;
        var child = Organization.Create(AdminOf(root), "Child", root, Now).Value;

        Assert.StartsWith(root.Path, child.Path, StringComparison.Ordinal);
        Assert.EndsWith($"{child.Id:N}/", child.Path, StringComparison.Ordinal);
        Assert.True(child.IsWithin(root));
        Assert.False(root.IsWithin(child));
    }

    [Fact]
    public void Create_RootByOrdinaryAdministrator_IsForbidden()
    {
        var root = Organization.Create(Actor.System, "Root", null, Now).Value;

        var error = Organization.Create(AdminOf(root), "Another root", null, Now).Error;

        Assert.IsType<ForbiddenError>(error);
    }

    [Fact]
    public void MoveUnder_OwnDescendant_IsRefused_AndAValidMoveReturnsTheOldPath()
    {
        var root = Organization.Create(Actor.System, "Root", null, Now).Value;
        var a = Organization.Create(Actor.System, "A", root, Now).Value;
        var a1 = Organization.Create(Actor.System, "A1", a, Now).Value;
        var b = Organization.Create(Actor.System, "B", root, Now).Value;

        Assert.Equal("organization_cycle", a.MoveUnder(Actor.System, a1).Error!.Code);
        Assert.Equal("organization_cycle", a.MoveUnder(Actor.System, a).Error!.Code);
        var oldPath = a1.Path;
        Assert.Equal(oldPath, a1.MoveUnder(Actor.System, b).Value);
        Assert.True(a1.IsWithin(b));
    }

    [Fact]
    public void MoveUnder_TheAdministratorsOwnRoot_IsRefused()
    {
        var root = Organization.Create(Actor.System, "Root", null, Now).Value;
        var a = Organization.Create(Actor.System, "A", root, Now).Value;
        var a1 = Organization.Create(Actor.System, "A1", a, Now).Value;

        Assert.Equal("cannot_move_scope_root", a.MoveUnder(AdminOf(a), a1).Error!.Code);
    }

    [Fact]
    public void Administers_IsAPrefixTestOnThePath()
    {
        var root = Organization.Create(Actor.System, "Root", null, Now).Value;
        var a = Organization.Create(Actor.System, "A", root, Now).Value;
        var b = Organization.Create(Actor.System, "B", root, Now).Value;
        var instructor = new Actor(Guid.NewGuid(), UserRole.Instructor, root.Id, root.Path, false);

        Assert.True(AdminOf(a).Administers(a.Path));
        Assert.False(AdminOf(a).Administers(b.Path));
        Assert.False(AdminOf(a).Administers(root.Path));
        Assert.False(instructor.Administers(a.Path));
        Assert.True(Actor.System.Administers(b.Path));
    }

    [Theory]
    [InlineData("FR-ca", "fr-CA")]
    [InlineData("pt-br", "pt-BR")]
    [InlineData("zh-hant-tw", "zh-Hant-TW")]
    [InlineData("es-419", "es-419")]
    [InlineData(" en ", "en")]
    [InlineData("", null)]
    public void SetLanguage_KeepsATagInItsUsualCase_OrClearsIt(string tag, string? stored)
    {
        var organization = Organization.Create(Actor.System, "Root", null, Now).Value;
        organization.SetLanguage("de");

        Assert.Null(organization.SetLanguage(tag));
        Assert.Equal(stored, organization.Language);
    }

    [Theory]
    [InlineData("f")]
    [InlineData("french")]
    [InlineData("fr_CA")]
    [InlineData("fr--CA")]
    [InlineData("12")]
    [InlineData("fr-<b>")]
    public void SetLanguage_NotATag_IsRefused_AndChangesNothing(string tag)
    {
        var organization = Organization.Create(Actor.System, "Root", null, Now).Value;
        organization.SetLanguage("de");

        Assert.Equal("invalid_language", organization.SetLanguage(tag)?.Code);
        Assert.Equal("de", organization.Language);
    }
}
