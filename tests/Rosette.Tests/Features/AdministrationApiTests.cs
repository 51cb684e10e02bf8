using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Courses;
using Rosette.Features.Users;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The endpoints the administration pages added: password resets, badge holders, and the names lists now carry.</summary>
public sealed class AdministrationApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task ResetPassword_Generated_WorksOnce_AndEndsTheUsersSessions()
    {
        var world = await app.NewWorldAsync();
        var student = await app.ClientAsync(world.StudentA2);
        var admin = await app.ClientAsync(world.AdminA);

        var reset = await (await admin.PostJsonAsync($"/api/v1/users/{world.StudentA2.Id}/password-reset", new { mode = "generated" })).IsOkAsync<PasswordResetDto>();

        Assert.Equal(20, reset.Password?.Length);
        Assert.Null(reset.ResetPath);
        await (await student.GetAsync($"/api/v1/users/{world.StudentA2.Id}")).IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var anonymous = app.Factory.CreateClient();
        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = World.Password })).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = reset.Password })).StatusCode);
        var entry = await app.Factory.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.EntityId == world.StudentA2.Id && e.Kind == AuditKind.PasswordReset));
        Assert.DoesNotContain(reset.Password!, entry.Summary + entry.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetPassword_Link_SetsANewPasswordOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var anonymous = app.Factory.CreateClient();

        var reset = await (await admin.PostJsonAsync($"/api/v1/users/{world.StudentB1.Id}/password-reset", new { mode = "link" })).IsOkAsync<PasswordResetDto>();
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), reset.ResetPath).Query);
        var body = new { userId = world.StudentB1.Id, token = query["token"].ToString(), newPassword = "a-brand-new-password" };
        var tooShort = await anonymous.PostJsonAsync("/api/v1/auth/password-reset", body with { newPassword = "short" });
        var first = await anonymous.PostJsonAsync("/api/v1/auth/password-reset", body);
        var second = await anonymous.PostJsonAsync("/api/v1/auth/password-reset", body with { newPassword = "another-new-password" });
        var forged = await anonymous.PostJsonAsync("/api/v1/auth/password-reset", body with { token = "forged" });

        Assert.Null(reset.Password);
        Assert.StartsWith($"/reset-password?userId={world.StudentB1.Id}&token=", reset.ResetPath, StringComparison.Ordinal);
        (await tooShort.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("newPassword");
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await second.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        await forged.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentB1.Email, password = "a-brand-new-password" })).StatusCode);
        var kinds = await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.EntityId == world.StudentB1.Id).Select(e => e.Summary).ToListAsync());
        Assert.Contains(kinds, s => s.StartsWith("Made a one-time password reset link", StringComparison.Ordinal));
        Assert.Contains(kinds, s => s.Contains("set a new password with a reset link", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResetPassword_Link_StopsWorkingOnceTheUserOutranksItsMaker_AndABadLinkSaysNothingOfTheUser()
    {
        var world = await app.NewWorldAsync();
        var anonymous = app.Factory.CreateClient();
        var reset = await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync($"/api/v1/users/{world.StudentA2.Id}/password-reset", new { mode = "link" }))
            .IsOkAsync<PasswordResetDto>();
        var token = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), reset.ResetPath).Query)["token"].ToString();
        // The system administrator makes the student an administrator of A: the link's maker's peer, whom they may no longer manage.
        (await (await app.ClientAsync(world.AdminRoot)).PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { role = "administrator" })).EnsureSuccessStatusCode();

        var takeOver = new { userId = world.StudentA2.Id, token, newPassword = "taken-over-password" };
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => anonymous.PostJsonAsync("/api/v1/auth/password-reset", takeOver)))
            .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = "taken-over-password" }))
            .IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = World.Password })).StatusCode);

        // A bad link with a password the rules refuse: the same answer for an active user and for an id of nobody.
        foreach (var userId in new[] { world.StudentA1.Id, Guid.NewGuid() })
        {
            await (await anonymous.PostJsonAsync("/api/v1/auth/password-reset", new { userId, token = "forged", newPassword = "short" }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        }
    }

    [Fact]
    public async Task ResetPassword_RoleAndScopeMatrix()
    {
        var world = await app.NewWorldAsync();
        var url = $"/api/v1/users/{world.StudentB1.Id}/password-reset";

        var (adminA, instructor, student, adminB) =
            (await app.ClientAsync(world.AdminA), await app.ClientAsync(world.OrgInstructor), await app.ClientAsync(world.StudentB1), await app.ClientAsync(world.AdminB));

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminA.PostJsonAsync(url, new { mode = "generated" })).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
            await (await instructor.PostJsonAsync(url, new { mode = "generated" })).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
            await (await student.PostJsonAsync(url, new { mode = "generated" })).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            (await (await adminB.PostJsonAsync(url, new { mode = "email" })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("mode");
        });
    }

    [Fact]
    public async Task BadgeHolders_PagedAndExported_OnlyForTheBadgesAdministrators()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        await app.Factory.WithDbAsync(async db =>
        {
            var hostile = await db.Users.SingleAsync(u => u.Id == world.StudentA2.Id);
            hostile.Update(Rosette.Domain.Actor.System, "/", "=HYPERLINK(\"http://evil.test\")", null, null, null, null);
            await db.SaveChangesAsync();
        });
        var issued = await (await (await app.ClientAsync(world.ContractInstructor)).PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentB1.Id } }))
            .IsOkAsync<Rosette.Features.Issuance.IssueBadgesResult>();
        var revoked = issued.Issued.Single(i => i.StudentId == world.StudentB1.Id).AwardId;
        (await admin.PostJsonAsync($"/api/v1/awards/{revoked}/revocation", new { reason = "Mistake" })).EnsureSuccessStatusCode();

        var page = await (await admin.GetAsync($"/api/v1/badges/{world.Manual.Id}/holders?pageSize=1")).IsOkAsync<Paged<BadgeHolder>>();
        var export = await admin.GetAsync($"/api/v1/badges/{world.Manual.Id}/holders/export");
        var text = (await export.Content.ReadAsStringAsync()).TrimStart('\uFEFF');

        Assert.Equal((2, 1), (page.Total, page.Items.Count));
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("first_name,last_name,email,organization,issued_at,expires_at,status,award_id", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("\"'=HYPERLINK(", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(world.StudentB1.Email, StringComparison.Ordinal));
        await (await (await app.ClientAsync(world.AdminA)).GetAsync($"/api/v1/badges/{world.Manual.Id}/holders")).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found");
        await (await (await app.ClientAsync(world.AdminA)).GetAsync($"/api/v1/badges/{world.Manual.Id}/holders/export")).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found");
        await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync($"/api/v1/badges/{world.Manual.Id}/holders")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task ClassAndCourseAssignmentLists_NameThePeople()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var detail = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}")).IsOkAsync<ClassDto>();
        var assignments = await (await admin.GetAsync($"/api/v1/course-assignments?courseId={world.Course.Id}")).IsOkAsync<Paged<CourseAssignmentDto>>();

        var contract = detail.Instructors!.Single(i => i.UserId == world.ContractInstructor.Id);
        Assert.Equal((world.ContractInstructor.FullName, world.ContractInstructor.Email), (contract.Name, contract.Email));
        Assert.Equal((world.StudentA1.FullName, world.StudentA1.Email), (assignments.Items.Single().StudentName, assignments.Items.Single().StudentEmail));
    }

    [Fact]
    public async Task EveryAdministrationChange_IsAudited_InItsOrganization()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var email = $"new.{Guid.NewGuid():N}@rosette.test";

        var user = await (await admin.PostJsonAsync("/api/v1/users", new { email, firstName = "New", lastName = "Person", organizationId = world.B.Id, role = "student" }))
            .IsOkAsync<UserDto>(HttpStatusCode.Created);
        var course = await (await admin.PostJsonAsync("/api/v1/courses", new { name = "Course", organizationId = world.A.Id })).IsOkAsync<CourseDto>(HttpStatusCode.Created);
        var assignment = await (await admin.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.StudentA2.Id }))
            .IsOkAsync<CourseAssignmentDto>(HttpStatusCode.Created);
        (await admin.PatchJsonAsync($"/api/v1/course-assignments/{assignment.Id}", new { completedAt = DateTime.UtcNow })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/courses/{course.Id}", new { name = "Course renamed" })).EnsureSuccessStatusCode();
        var created = await (await admin.PostJsonAsync("/api/v1/classes", new { name = "Audited class", organizationId = world.A.Id })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        (await admin.PatchJsonAsync($"/api/v1/classes/{created.Id}", new { name = "Audited class 2" })).EnsureSuccessStatusCode();
        (await admin.PutJsonAsync($"/api/v1/classes/{created.Id}/instructors/{world.OrgInstructor.Id}", new { kind = "organization" })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/api/v1/classes/{created.Id}/instructors/{world.OrgInstructor.Id}")).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync($"/api/v1/classes/{created.Id}/enrollments", new { studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id } })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/api/v1/classes/{created.Id}/enrollments/{world.StudentA1.Id}")).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/badges/{world.Archived.Id}", new { archived = false })).EnsureSuccessStatusCode();

        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.ActorId == world.AdminRoot.Id).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(
            [
                (AuditKind.UserCreated, world.B.Id), (AuditKind.CourseCreated, world.A.Id), (AuditKind.CourseAssigned, world.A.Id),
                (AuditKind.CourseAssignmentUpdated, world.A.Id), (AuditKind.CourseUpdated, world.A.Id), (AuditKind.ClassCreated, world.A.Id),
                (AuditKind.ClassUpdated, world.A.Id), (AuditKind.InstructorAssigned, world.A.Id), (AuditKind.InstructorRemoved, world.A.Id),
                (AuditKind.StudentsEnrolled, world.A.Id), (AuditKind.StudentUnenrolled, world.A.Id), (AuditKind.BadgeRestored, world.Root.Id),
            ],
            entries.Select(e => (e.Kind, e.OrganizationId!.Value)));
        Assert.Equal(user.Id, entries[0].EntityId);
        Assert.Contains("Enrolled 2 students", entries[9].Summary, StringComparison.Ordinal);
        Assert.Equal(UserRole.Student, user.Role);
    }
}
