using System.Net;
using System.Text.Json;
using Rosette.Domain.Users;
using Rosette.Features.Classes;
using Rosette.Features.Courses;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Every list that answers 200 holds exactly the caller's rows (class issuance history: IssuanceAuthorizationTests; providers: ProvidersApiTests): nothing outside their scope, nothing of theirs missing.
/// One world, seeded once, read by every kind of caller (the shared database holds other tests' worlds, which must not show).
/// </summary>
public sealed class ListScopeAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task EveryList_EveryCaller_HoldsExactlyTheRowsInScope()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        var adminA = await app.ClientAsync(world.AdminA);
        var adminB = await app.ClientAsync(world.AdminB);
        (await adminRoot.PatchJsonAsync($"/api/v1/badges/{world.Manual.Id}", new { validityDays = 365 })).EnsureSuccessStatusCode();
        (await adminB.PatchJsonAsync($"/api/v1/badges/{world.BadgeB.Id}", new { validityDays = 365 })).EnsureSuccessStatusCode();
        var courseA = await (await adminA.PostJsonAsync("/api/v1/courses", new { name = "Course of A", organizationId = world.A.Id })).IsOkAsync<CourseDto>(HttpStatusCode.Created);
        var assignmentA = await (await adminA.PostJsonAsync("/api/v1/course-assignments", new { courseId = courseA.Id, studentId = world.StudentA1x.Id }))
            .IsOkAsync<CourseAssignmentDto>(HttpStatusCode.Created);
        var classB = await (await adminB.PostJsonAsync("/api/v1/classes", new { name = "Class of B", organizationId = world.B.Id })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        (await adminB.PostJsonAsync($"/api/v1/classes/{classB.Id}/enrollments", new { studentIds = new[] { world.StudentB1.Id } })).EnsureSuccessStatusCode();
        var inClass = await (await adminRoot.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentB1.Id } })).IsOkAsync<IssueBadgesResult>();
        var inClassB = await (await adminB.PostJsonAsync($"/api/v1/classes/{classB.Id}/badge-issuances",
            new { badgeIds = new[] { world.BadgeB.Id }, studentIds = new[] { world.StudentB1.Id } })).IsOkAsync<IssueBadgesResult>();
        var awardA1 = inClass.Issued.Single(i => i.StudentId == world.StudentA1.Id).AwardId;
        var awardB1 = inClass.Issued.Single(i => i.StudentId == world.StudentB1.Id).AwardId;
        var awardB = Assert.Single(inClassB.Issued).AwardId;

        Guid[] Subtree(User caller) =>
            caller == world.AdminRoot ? [world.Root.Id, world.A.Id, world.A1.Id, world.B.Id]
            : caller == world.AdminA ? [world.A.Id, world.A1.Id]
            : caller == world.AdminB ? [world.B.Id]
            : [];
        Func<User, IEnumerable<Guid>> InScope(params (Guid Id, Guid OrganizationId)[] rows) =>
            caller => rows.Where(r => Subtree(caller).Contains(r.OrganizationId)).Select(r => r.Id);
        Func<User, IEnumerable<Guid>> Per(Dictionary<User, Guid[]> rows) => caller => rows.GetValueOrDefault(caller, []);
        User[] admins = [world.AdminRoot, world.AdminA, world.AdminB];
        User[] everyone = [.. admins, world.OrgInstructor, world.ContractInstructor, world.OtherInstructor, world.StudentA1, world.StudentB1, world.StudentOutside];
        User[] users = [.. everyone, world.StudentA2, world.StudentA1x];
        var classesInScope = InScope((world.Class.Id, world.Root.Id), (world.OtherClass.Id, world.Root.Id), (classB.Id, world.B.Id));
        var awardsInScope = InScope((awardA1, world.Root.Id), (awardB1, world.Root.Id), (awardB, world.B.Id));

        var lists = new (string Url, string IdField, User[] Callers, Func<User, IEnumerable<Guid>> Expected)[]
        {
            ("/api/v1/organizations", "id", admins, InScope([.. new[] { world.Root, world.A, world.A1, world.B }.Select(o => (o.Id, o.Id))])),
            ("/api/v1/users", "id", admins, InScope([.. users.Select(u => (u.Id, u.OrganizationId))])),
            ("/api/v1/courses", "id", admins, InScope((world.Course.Id, world.Root.Id), (courseA.Id, world.A.Id))),
            ("/api/v1/course-assignments", "id", admins, InScope((world.Assignment.Id, world.Root.Id), (assignmentA.Id, world.A.Id))),
            ("/api/v1/badges", "id", admins, InScope([.. new[] { world.Manual, world.Manual2, world.NoManual, world.Archived, world.BadgeB }.Select(b => (b.Id, b.OrganizationId))])),
            ("/api/v1/classes", "id", everyone, caller => caller.Role == UserRole.Administrator ? classesInScope(caller) : Per(new()
            {
                [world.OrgInstructor] = [world.Class.Id], [world.ContractInstructor] = [world.Class.Id], [world.OtherInstructor] = [world.OtherClass.Id],
                [world.StudentA1] = [world.Class.Id, world.OtherClass.Id], [world.StudentB1] = [world.Class.Id, classB.Id],
            })(caller)),
            ("/api/v1/awards", "id", everyone, caller => caller.Role == UserRole.Administrator ? awardsInScope(caller) : Per(new()
            {
                [world.OrgInstructor] = [awardA1, awardB1], [world.ContractInstructor] = [awardA1, awardB1],
                [world.StudentA1] = [awardA1], [world.StudentB1] = [awardB1, awardB],
            })(caller)),
            ($"/api/v1/awards/expiring?to={DateTime.UtcNow.AddDays(400):yyyy-MM-dd}", "awardId", admins, awardsInScope),
        };

        foreach (var (url, idField, callers, expected) in lists)
        {
            foreach (var caller in callers)
            {
                var items = await ItemsAsync(await app.ClientAsync(caller), url);
                var ids = items.Select(i => i.GetProperty(idField).GetGuid()).Order().ToArray();
                Assert.True(expected(caller).Order().SequenceEqual(ids), $"{url} as {caller.Email}: expected [{string.Join(", ", expected(caller))}], got [{string.Join(", ", ids)}]");
            }
        }
        foreach (var admin in admins)
        {
            // The audit log has no list of expected rows (every write above is an entry): each entry is of an organization in scope.
            var entries = await ItemsAsync(await app.ClientAsync(admin), "/api/v1/audit-entries");
            Assert.NotEmpty(entries);
            Assert.All(entries, e => Assert.Contains(e.GetProperty("organizationId").GetGuid(), Subtree(admin)));
        }
    }

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "pageSize=500");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        var page = JsonDocument.Parse(body).RootElement;
        Assert.True(page.GetProperty("total").GetInt32() <= 500, $"{url}: more rows than one page");
        return [.. page.GetProperty("items").EnumerateArray()];
    }
}
