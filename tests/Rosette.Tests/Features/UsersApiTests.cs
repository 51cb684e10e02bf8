using System.Net;
using System.Text;
using Rosette.Domain.Users;
using Rosette.Features.Users;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class UsersApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_WithPassword_Returns201AndTheUserCanSignIn()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var email = $"new.{Guid.NewGuid():N}@rosette.test";

        var created = await (await admin.PostJsonAsync("/api/v1/users", new
        {
            email, firstName = "Grace", lastName = "Hopper", organizationId = world.A1.Id, role = "instructor", password = "a-long-password",
        })).IsOkAsync<UserDto>(HttpStatusCode.Created);

        Assert.Equal(UserRole.Instructor, created.Role);
        Assert.True(created.IsActive);
        var token = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email, password = "a-long-password" });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task Create_EmailTakenInAnyCase_Answers409()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var logged = app.Logs.Lines.Count;
        var response = await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostJsonAsync("/api/v1/users", new
        {
            email = world.StudentB1.Email.ToUpperInvariant(), firstName = "Dup", lastName = "Licate", organizationId = world.A.Id, role = "student",
        }));

        await response.IsProblemAsync(HttpStatusCode.Conflict, "email_taken");
        // Answered, not tried: a refused insert would log EF's error with its stack trace for an everyday 409.
        Assert.DoesNotContain(app.Logs.Lines.Skip(logged), l => l.StartsWith("Error Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    /// <summary>
    /// An internationalized domain has two spellings (RFC 5891 section 4: its Unicode form and its ASCII, punycode, form), and
    /// both reach the same mailbox: the second user is refused, and the first signs in by either.
    /// </summary>
    [Fact]
    public async Task Create_SameAddressWithTheOtherSpellingOfItsDomain_Answers409_AndSignInTakesEither()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var local = $"bob.{Guid.NewGuid():N}";
        await (await admin.PostJsonAsync("/api/v1/users", new
        {
            email = $"{local}@bücher.example", firstName = "Bob", lastName = "Bücher", organizationId = world.A1.Id, role = "instructor", password = "a-long-password",
        })).IsOkAsync<UserDto>(HttpStatusCode.Created);

        var response = await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostJsonAsync("/api/v1/users", new
        {
            email = $"{local}@xn--bcher-kva.example", firstName = "Bob", lastName = "Twice", organizationId = world.A1.Id, role = "student",
        }));

        await response.IsProblemAsync(HttpStatusCode.Conflict, "email_taken");
        foreach (var spelling in new[] { $"{local}@xn--bcher-kva.example", $"{local.ToUpperInvariant()}@BÜCHER.example" })
        {
            var token = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = spelling, password = "a-long-password" });
            Assert.True(token.StatusCode == HttpStatusCode.OK, $"{spelling}: {(int)token.StatusCode}");
        }
    }

    [Fact]
    public async Task Create_InvalidFields_Answers400ListingEveryField()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var problem = await (await admin.PostJsonAsync("/api/v1/users", new { email = "not an email", firstName = "", organizationId = world.A.Id, password = "short" }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        foreach (var field in new[] { "email", "firstName", "lastName", "role", "password" })
        {
            problem.HasFieldError(field);
        }
    }

    [Fact]
    public async Task Create_ByInstructorOrStudent_Answers403()
    {
        var world = await app.NewWorldAsync();
        var body = new { email = $"x.{Guid.NewGuid():N}@rosette.test", firstName = "X", lastName = "Y", organizationId = world.A.Id, role = "student" };

        foreach (var caller in new[] { world.OrgInstructor, world.StudentA1 })
        {
            var client = await app.ClientAsync(caller);
            await (await DbSnapshot.UnchangedAsync(app.Factory, () => client.PostJsonAsync("/api/v1/users", body))).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task Create_InOrganizationOutsideScope_Answers404()
    {
        var world = await app.NewWorldAsync();
        var adminB = await app.ClientAsync(world.AdminB);

        var response = await DbSnapshot.UnchangedAsync(app.Factory, () =>
            adminB.PostJsonAsync("/api/v1/users", new { email = $"x.{Guid.NewGuid():N}@rosette.test", firstName = "X", lastName = "Y", organizationId = world.A.Id, role = "student" }));

        await response.IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
    }

    [Fact]
    public async Task List_SearchAndFilters_AreScopedAndPaged()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);

        var all = await (await adminA.GetAsync("/api/v1/users?pageSize=2")).IsOkAsync<Paged<UserDto>>();
        var students = await (await adminA.GetAsync($"/api/v1/users?role=student&organizationId={world.A.Id}&pageSize=500")).IsOkAsync<Paged<UserDto>>();
        var search = await (await adminA.GetAsync($"/api/v1/users?search={Uri.EscapeDataString("STUDENTA1X")}")).IsOkAsync<Paged<UserDto>>();

        // A and A1 hold AdminA, two instructors, StudentA1, A2, Outside (A) and StudentA1x (A1).
        Assert.Equal(7, all.Total);
        Assert.Equal(2, all.Items.Count);
        Assert.Equal(new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentOutside.Id }.Order(), students.Items.Select(u => u.Id).Order());
        Assert.Equal(world.StudentA1x.Id, Assert.Single(search.Items).Id);
        await (await adminA.GetAsync("/api/v1/users?role=wizard")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await adminA.GetAsync("/api/v1/users?pageSize=0")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Get_StudentSeesOnlyThemself()
    {
        var world = await app.NewWorldAsync();
        var student = await app.ClientAsync(world.StudentA1);

        (await student.GetAsync($"/api/v1/users/{world.StudentA1.Id}")).EnsureSuccessStatusCode();
        await (await student.GetAsync($"/api/v1/users/{world.StudentA2.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await (await student.GetAsync("/api/v1/users")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => student.PatchJsonAsync($"/api/v1/users/{world.StudentA1.Id}", new { firstName = "Me" })))
            .IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Patch_NamesRoleFlags_Persist_ButNotOutOfScopeOrOnSelf()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);

        var updated = await (await adminA.PatchJsonAsync($"/api/v1/users/{world.StudentA1x.Id}",
            new { firstName = "Renamed", role = "instructor", participateInAchievements = false })).IsOkAsync<UserDto>();

        Assert.Equal(("Renamed", UserRole.Instructor, false), (updated.FirstName, updated.Role, updated.ParticipateInAchievements));
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminA.PatchJsonAsync($"/api/v1/users/{world.StudentB1.Id}", new { firstName = "x" })).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
            await (await adminA.PatchJsonAsync($"/api/v1/users/{world.AdminA.Id}", new { isActive = false })).IsProblemAsync(HttpStatusCode.BadRequest, "cannot_change_self");
        });
    }

    [Fact]
    public async Task Post_MalformedJsonOrWrongTypes_Answers400InvalidJson()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var broken = await admin.PostAsync("/api/v1/users", new StringContent("{\"email\": ", Encoding.UTF8, "application/json"));
        var wrongType = await admin.PostAsync("/api/v1/users", new StringContent("{\"organizationId\": 12}", Encoding.UTF8, "application/json"));
        var badEnum = await admin.PostAsync("/api/v1/users", new StringContent("{\"role\": \"wizard\"}", Encoding.UTF8, "application/json"));

        await broken.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        await wrongType.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        await badEnum.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Post_OversizedBody_Answers413()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var huge = "{\"firstName\": \"" + new string('x', 5 * 1024 * 1024) + "\"}";

        var response = await admin.PostAsync("/api/v1/users", new StringContent(huge, Encoding.UTF8, "application/json"));

        await response.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }
}
