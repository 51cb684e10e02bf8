using System.Net;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class OrganizationsApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_ChildInScope_Returns201WithLocation()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var response = await admin.PostJsonAsync("/api/v1/organizations", new { name = "East campus", parentId = world.A.Id });

        var created = await response.IsOkAsync<OrganizationDto>(HttpStatusCode.Created);
        Assert.Equal("East campus", created.Name);
        Assert.Equal(world.A.Id, created.ParentId);
        Assert.Equal($"/api/v1/organizations/{created.Id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Create_RootByOrdinaryAdministrator_Answers403_ButSystemAdministratorMayCreateIt()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var system = await app.ClientAsync(await app.RootAsync());

        await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostJsonAsync("/api/v1/organizations", new { name = "New root" })))
            .IsProblemAsync(HttpStatusCode.Forbidden, "root_organization_requires_system_administrator");
        var root = await (await system.PostJsonAsync("/api/v1/organizations", new { name = "New root" })).IsOkAsync<OrganizationDto>(HttpStatusCode.Created);
        Assert.Null(root.ParentId);
    }

    [Fact]
    public async Task Create_UnderParentOrSiblingOutOfScope_Answers404()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await admin.PostJsonAsync("/api/v1/organizations", new { name = "x", parentId = world.Root.Id })).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
            await (await admin.PostJsonAsync("/api/v1/organizations", new { name = "x", parentId = world.B.Id })).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        });
    }

    [Fact]
    public async Task List_ChildAdministrator_SeesOwnSubtreeOnly()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var page = await (await admin.GetAsync("/api/v1/organizations?pageSize=500")).IsOkAsync<Paged<OrganizationDto>>();

        Assert.Equal(new[] { world.A.Id, world.A1.Id }.Order(), page.Items.Select(o => o.Id).Order());
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task Get_ParentSiblingOrNonAdministrator_AnswersNotFoundOrForbidden()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var instructor = await app.ClientAsync(world.OrgInstructor);

        await (await admin.GetAsync($"/api/v1/organizations/{world.Root.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        await (await admin.GetAsync($"/api/v1/organizations/{world.B.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        await (await admin.GetAsync($"/api/v1/organizations/{Guid.NewGuid()}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        await (await admin.GetAsync("/api/v1/organizations/not-a-guid")).IsProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await instructor.GetAsync($"/api/v1/organizations/{world.A.Id}")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        (await admin.GetAsync($"/api/v1/organizations/{world.A1.Id}")).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\u0000null")]
    public async Task Create_InvalidName_Answers400WithFieldError(string name)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var problem = await (await admin.PostJsonAsync("/api/v1/organizations", new { name, parentId = world.A.Id }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        problem.HasFieldError("name");
    }

    [Fact]
    public async Task Create_NameTooLong_Answers400_AndLongestAllowedIsStoredIntact()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var longest = string.Concat(Enumerable.Repeat("é", 200));

        await (await admin.PostJsonAsync("/api/v1/organizations", new { name = longest + "x", parentId = world.A.Id }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var created = await (await admin.PostJsonAsync("/api/v1/organizations", new { name = longest, parentId = world.A.Id })).IsOkAsync<OrganizationDto>(HttpStatusCode.Created);
        var read = await (await admin.GetAsync($"/api/v1/organizations/{created.Id}")).IsOkAsync<OrganizationDto>();
        Assert.Equal(longest, read.Name);
    }

    [Theory]
    [InlineData("<script>alert('x')</script>")]
    [InlineData("Ünïcødé 組織 🎓 \"quotes\" & 'ticks'")]
    [InlineData("Robert'); DROP TABLE \"Organizations\";--")]
    public async Task Create_HostileName_IsStoredAndReturnedIntact(string name)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var created = await (await admin.PostJsonAsync("/api/v1/organizations", new { name, parentId = world.A.Id })).IsOkAsync<OrganizationDto>(HttpStatusCode.Created);
        var read = await (await admin.GetAsync($"/api/v1/organizations/{created.Id}")).IsOkAsync<OrganizationDto>();

        Assert.Equal(name, read.Name);
    }

    [Fact]
    public async Task Patch_MoveUnderAnotherParent_MovesTheWholeSubtree()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var childOfA1 = await (await admin.PostJsonAsync("/api/v1/organizations", new { name = "deep", parentId = world.A1.Id })).IsOkAsync<OrganizationDto>(HttpStatusCode.Created);

        var moved = await (await admin.PatchJsonAsync($"/api/v1/organizations/{world.A1.Id}", new { parentId = world.B.Id })).IsOkAsync<OrganizationDto>();

        Assert.Equal(world.B.Id, moved.ParentId);
        var adminB = await app.ClientAsync(world.AdminB);
        (await adminB.GetAsync($"/api/v1/organizations/{childOfA1.Id}")).EnsureSuccessStatusCode();
        var adminA = await app.ClientAsync(world.AdminA);
        await (await adminA.GetAsync($"/api/v1/organizations/{childOfA1.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
    }

    [Fact]
    public async Task Patch_MoveUnderOwnDescendant_Answers400()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PatchJsonAsync($"/api/v1/organizations/{world.A.Id}", new { parentId = world.A1.Id })))
            .IsProblemAsync(HttpStatusCode.BadRequest, "organization_cycle");
    }

    [Fact]
    public async Task Patch_RenameAndEnableAchievements_Persists()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        await admin.PatchJsonAsync($"/api/v1/organizations/{world.A1.Id}", new { name = "Renamed", enableAchievements = true });

        var read = await (await admin.GetAsync($"/api/v1/organizations/{world.A1.Id}")).IsOkAsync<OrganizationDto>();
        Assert.Equal("Renamed", read.Name);
        Assert.True(read.EnableAchievements);
    }

    [Fact]
    public async Task Update_Language_IsStoredAsATag_AndAnInvalidOneAnswers400_ChangingNothing()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var updated = await (await admin.PatchJsonAsync($"/api/v1/organizations/{world.A.Id}", new { language = "pt-br" })).IsOkAsync<OrganizationDto>();
        await (await admin.PatchJsonAsync($"/api/v1/organizations/{world.A.Id}", new { name = "Renamed", language = "Portuguese" }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_language");
        var after = await (await admin.GetAsync($"/api/v1/organizations/{world.A.Id}")).IsOkAsync<OrganizationDto>();

        Assert.Equal("pt-BR", updated.Language);
        Assert.Equal(("pt-BR", world.A.Name), (after.Language, after.Name));
    }
}
