using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Nobody manages someone with equal or more power (issue 14, item 1), through the API and the pages.</summary>
public sealed class UserPrivilegeTests(AppFixture app) : IClassFixture<AppFixture>
{
    private async Task<User> AddUserAsync(Guid organizationId, UserRole role, string name)
    {
        var user = User.Create($"{name}.{Guid.NewGuid():N}@rosette.test", name, "Test", organizationId, role, DateTime.UtcNow).Value;
        user.PasswordHash = "unused";
        await app.Factory.WithDbAsync(async db =>
        {
            db.Users.Add(user);
            await db.SaveChangesAsync();
        });
        return user;
    }

    [Fact]
    public async Task AdministratorOfTheSystemAdministratorsOrganization_CannotResetOrDeactivateThem_AndTheAttemptIsAudited()
    {
        var system = await app.RootAsync();
        var insider = await AddUserAsync(system.OrganizationId, UserRole.Administrator, "insider");
        var client = await app.ClientAsync(insider);
        var before = await DbSnapshot.TakeAsync(app.Factory);

        var link = await client.PostJsonAsync($"/api/v1/users/{system.Id}/password-reset", new { mode = "link" });
        var generated = await client.PostJsonAsync($"/api/v1/users/{system.Id}/password-reset", new { mode = "generated" });
        var deactivate = await client.PatchJsonAsync($"/api/v1/users/{system.Id}", new { isActive = false });
        var rename = await client.PatchJsonAsync($"/api/v1/users/{system.Id}", new { firstName = "Owned" });

        await link.IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await generated.IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await deactivate.IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await rename.IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        Assert.DoesNotContain("reset-password", await link.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));
        var refusals = await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.Kind == AuditKind.PrivilegeRefused && e.ActorId == insider.Id).ToListAsync());
        // One entry per action and target within the window, however often it is tried.
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, e => Assert.Equal(system.Id, e.EntityId));
        // The system administrator still manages them.
        (await (await app.ClientAsync(system)).PostJsonAsync($"/api/v1/users/{insider.Id}/password-reset", new { mode = "link" })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Administrator_CannotManageAPeerOrASuperior_ButManagesAdministratorsBelow()
    {
        var world = await app.NewWorldAsync();
        var peer = await AddUserAsync(world.A.Id, UserRole.Administrator, "peer");
        var belowAdmin = await AddUserAsync(world.A1.Id, UserRole.Administrator, "below");
        var adminA = await app.ClientAsync(world.AdminA);
        var before = await DbSnapshot.TakeAsync(app.Factory);

        await (await adminA.PostJsonAsync($"/api/v1/users/{peer.Id}/password-reset", new { mode = "generated" })).IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await (await adminA.PatchJsonAsync($"/api/v1/users/{peer.Id}", new { isActive = false })).IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await (await adminA.PatchJsonAsync($"/api/v1/users/{peer.Id}", new { role = "student" })).IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
        await (await adminA.PatchJsonAsync($"/api/v1/users/{world.AdminRoot.Id}", new { isActive = false })).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));

        (await adminA.PatchJsonAsync($"/api/v1/users/{belowAdmin.Id}", new { firstName = "Managed" })).EnsureSuccessStatusCode();
        (await adminA.PostJsonAsync($"/api/v1/users/{belowAdmin.Id}/password-reset", new { mode = "generated" })).EnsureSuccessStatusCode();
        (await (await app.ClientAsync(world.AdminRoot)).PatchJsonAsync($"/api/v1/users/{world.AdminA.Id}", new { firstName = "Managed" })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Administrator_NeverGrantsARoleAboveTheirOwn_OnCreateOrUpdate()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var email = $"grant.{Guid.NewGuid():N}@rosette.test";
        var before = await DbSnapshot.TakeAsync(app.Factory);

        await (await adminA.PostJsonAsync("/api/v1/users", new { email, firstName = "Peer", lastName = "Made", organizationId = world.A.Id, role = "administrator", password = "a-long-password" }))
            .IsProblemAsync(HttpStatusCode.Forbidden, "role_not_grantable");
        await (await adminA.PatchJsonAsync($"/api/v1/users/{world.StudentA1.Id}", new { role = "administrator" })).IsProblemAsync(HttpStatusCode.Forbidden, "role_not_grantable");
        await (await adminA.PatchJsonAsync($"/api/v1/users/{world.OrgInstructor.Id}", new { role = "administrator" })).IsProblemAsync(HttpStatusCode.Forbidden, "role_not_grantable");
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));

        var below = await (await adminA.PostJsonAsync("/api/v1/users", new { email, firstName = "Below", lastName = "Made", organizationId = world.A1.Id, role = "administrator" }))
            .IsOkAsync<UserDto>(HttpStatusCode.Created);
        var promoted = await (await adminA.PatchJsonAsync($"/api/v1/users/{world.StudentA1x.Id}", new { role = "administrator" })).IsOkAsync<UserDto>();
        Assert.Equal((UserRole.Administrator, UserRole.Administrator), (below.Role, promoted.Role));
        // Once an administrator below, still theirs to manage; the new administrator cannot manage the one above.
        await (await (await app.ClientAsync(await app.Factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == below.Id))))
            .PatchJsonAsync($"/api/v1/users/{world.StudentA1x.Id}", new { isActive = false })).IsProblemAsync(HttpStatusCode.Forbidden, "user_not_manageable");
    }

    [Fact]
    public async Task Pages_ShowAPeerWithoutForms_AndRefuseTheirPostsWithAValidToken()
    {
        var world = await app.NewWorldAsync();
        var peer = await AddUserAsync(world.A.Id, UserRole.Administrator, "peer");
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        var (status, html) = await session.GetAsync($"/admin/users/{peer.Id}");
        var before = await DbSnapshot.TakeAsync(app.Factory);

        using var save = await session.PostAsync($"/admin/users/{peer.Id}", [new("Input.FirstName", "Owned"), new("Input.LastName", "X"), new("Input.Role", "Student")]);
        using var reset = await session.PostAsync($"/admin/users/{peer.Id}?handler=ResetPassword", [new("ResetMode", "generated")]);
        await session.GetAsync("/admin/users/new");
        using var create = await session.PostAsync("/admin/users/new", [new("Input.Email", $"p.{Guid.NewGuid():N}@rosette.test"), new("Input.FirstName", "P"),
            new("Input.LastName", "Q"), new("Input.OrganizationId", world.A.Id.ToString()), new("Input.Role", "Administrator")]);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"not-manageable\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Reset password</button>", html, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (save.StatusCode, reset.StatusCode));
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Contains("administrators only of organizations below your own", await create.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));
    }
}
