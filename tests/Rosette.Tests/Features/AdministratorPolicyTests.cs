using System.Net;
using System.Net.Http.Json;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Issuance;
using Rosette.Features.Audit;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Courses;
using Rosette.Features.Dashboard;
using Rosette.Features.Expiry;
using Rosette.Features.Organizations;
using Rosette.Features.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The routes and pages declared administrators-only by policy (AdministratorsOnly), called by an instructor and a student:
/// each answers the area's own refusal (403, code forbidden, the area's message) before it looks anything up (ids that do
/// not exist are refused, not reported missing), and changes nothing.
/// </summary>
public sealed class AdministratorPolicyTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task AdministratorsOnlyRoute_InstructorOrStudent_IsRefusedWithTheAreasErrorBeforeAnyLookup()
    {
        var world = await app.NewWorldAsync();
        var missing = Guid.NewGuid();
        var routes = new (HttpMethod Method, string Url, object? Body, ForbiddenError Refusal)[]
        {
            (HttpMethod.Post, "/api/v1/courses", new { name = "x", organizationId = world.A.Id }, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/courses", null, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Get, $"/api/v1/courses/{missing}", null, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Patch, $"/api/v1/courses/{world.Course.Id}", new { name = "x" }, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Post, "/api/v1/course-assignments", new { courseId = world.Course.Id, studentId = world.StudentA2.Id }, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Patch, $"/api/v1/course-assignments/{missing}", new { completedAt = DateTime.UtcNow }, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Patch, $"/api/v1/course-assignments/{world.Assignment.Id}", new { completedAt = DateTime.UtcNow }, CoursesHandler.AdministratorsOnly),
            (HttpMethod.Post, "/api/v1/organizations", new { name = "x", parentId = world.A.Id }, OrganizationsHandler.ManagedByAdministratorsOnly),
            (HttpMethod.Get, "/api/v1/organizations", null, OrganizationsHandler.SeenByAdministratorsOnly),
            (HttpMethod.Get, $"/api/v1/organizations/{missing}", null, OrganizationsHandler.SeenByAdministratorsOnly),
            (HttpMethod.Patch, $"/api/v1/organizations/{world.A.Id}", new { name = "x" }, OrganizationsHandler.ManagedByAdministratorsOnly),
            (HttpMethod.Post, "/api/v1/badges", new { name = "x", description = "d", organizationId = world.A.Id }, BadgesHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/badges", null, BadgesHandler.AdministratorsOnly),
            (HttpMethod.Get, $"/api/v1/badges/{missing}", null, BadgesHandler.AdministratorsOnly),
            (HttpMethod.Patch, $"/api/v1/badges/{world.Manual.Id}", new { archived = true }, BadgesHandler.AdministratorsOnly),
            (HttpMethod.Post, "/api/v1/classes", new { name = "x", organizationId = world.A.Id }, ClassesHandler.AdministratorsOnly),
            (HttpMethod.Post, "/api/v1/users", new { email = $"x.{Guid.NewGuid():N}@rosette.test", firstName = "X", lastName = "Y", organizationId = world.A.Id, role = "student" },
                UsersHandler.CreatedByAdministratorsOnly),
            (HttpMethod.Get, "/api/v1/users", null, UsersHandler.ListedByAdministratorsOnly),
            (HttpMethod.Get, "/api/v1/audit-entries", null, AuditLogHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/audit-entries/1", null, AuditLogHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/audit-entries/export", null, AuditLogHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/dashboard", null, DashboardHandler.AdministratorsOnly),
            (HttpMethod.Post, Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("lab-1")), AchievementErrors.AdministratorsOnly),
            (HttpMethod.Get, $"{Achieve.Url}/{missing}", null, AchievementErrors.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/awards/expiring", null, ExpiringAwardsHandler.AdministratorsOnly),
            (HttpMethod.Get, "/api/v1/awards/expiring/export", null, ExpiringAwardsHandler.AdministratorsOnly),
            (HttpMethod.Post, "/api/v1/award-renewals", new { awardIds = new[] { missing } }, ExpiringAwardsHandler.AdministratorsOnly),
        };

        foreach (var caller in new[] { world.OrgInstructor, world.StudentA1 })
        {
            var client = await app.ClientAsync(caller);
            foreach (var (method, url, body, refusal) in routes)
            {
                var response = await DbSnapshot.UnchangedAsync(app.Factory, () =>
                    client.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) }));

                var problem = await response.IsProblemAsync(HttpStatusCode.Forbidden, refusal.Code);
                Assert.True(refusal.Message == problem.GetProperty("detail").GetString(), $"{method} {url} as {caller.Email}: {problem}");
            }
        }
    }

    [Fact]
    public async Task AdministratorsOnlyPage_Instructor_IsRefusedWithTheAreasMessage()
    {
        var world = await app.NewWorldAsync();
        var missing = Guid.NewGuid();
        var pages = new (string Url, ForbiddenError Refusal)[]
        {
            ("/admin/courses", CoursesHandler.AdministratorsOnly),
            ($"/admin/courses/{world.Course.Id}", CoursesHandler.AdministratorsOnly),
            ("/admin/organizations", OrganizationsHandler.ManagedByAdministratorsOnly),
            ($"/admin/organizations/{world.A.Id}", OrganizationsHandler.ManagedByAdministratorsOnly),
            ("/admin/badges", BadgesHandler.AdministratorsOnly),
            ("/admin/badges/new", BadgesHandler.AdministratorsOnly),
            ($"/admin/badges/{world.Manual.Id}", BadgesHandler.AdministratorsOnly),
            ($"/admin/badges/{world.Manual.Id}/availability", BadgesHandler.AdministratorsOnly),
            ($"/admin/badges/{world.Manual.Id}/holders", BadgesHandler.AdministratorsOnly),
            ("/admin/classes", ClassesHandler.AdministratorsOnly),
            ("/admin/classes/new", ClassesHandler.AdministratorsOnly),
            ($"/admin/classes/{world.Class.Id}", ClassesHandler.AdministratorsOnly),
            ($"/admin/classes/{missing}/import", RosterImportHandler.AdministratorsOnly),
            ("/admin/users", UsersHandler.ListedByAdministratorsOnly),
            ("/admin/users/new", UsersHandler.CreatedByAdministratorsOnly),
            ($"/admin/users/{world.OrgInstructor.Id}", UsersHandler.ManagedByAdministratorsOnly),
            ("/admin/audit", AuditLogHandler.AdministratorsOnly),
            ("/admin", DashboardHandler.AdministratorsOnly),
            ("/achievements", AchievementErrors.AdministratorsOnly),
            ($"/achievements/{missing}", AchievementErrors.AdministratorsOnly),
            ("/achievements/edit", AchievementErrors.AdministratorsOnly),
            ("/admin/expiring-awards", ExpiringAwardsHandler.AdministratorsOnly),
            ($"/course-assignments/{world.Assignment.Id}/issue-badge", IssuanceErrors.CourseAssignmentAdministratorsOnly),
        };

        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        foreach (var (url, refusal) in pages)
        {
            var (status, html) = await session.GetAsync(url);
            Assert.True(status == HttpStatusCode.Forbidden, $"GET {url}: {(int)status}");
            Assert.True(html.Contains(refusal.Message, StringComparison.Ordinal), $"GET {url} does not show '{refusal.Message}'");
        }
    }
}
