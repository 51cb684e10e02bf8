using System.Net;
using Rosette.Domain.Badges;
using Rosette.Domain.Users;
using Rosette.Features.Courses;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// A course of A assigned by AdminRoot to StudentA1x (of A's subtree) and to StudentB1 (of B, beside A). The course's own
/// administrator (AdminA) administers the course but not StudentB1: every read and write of course assignments (API list,
/// detail, completion, issuance; the course page, its completion, the issue-from-assignment page) shows and acts only on
/// StudentA1x's, and answers StudentB1's as not found, changing nothing.
/// </summary>
public sealed class CourseAssignmentScopeTests(AppFixture app) : IClassFixture<AppFixture>
{
    private sealed record Setup(World World, CourseDto Course, Guid Inside, Guid Beside, Badge Badge);

    private async Task<Setup> SetUpAsync()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        var course = await (await adminA.PostJsonAsync("/api/v1/courses", new { name = $"Course of A {Guid.NewGuid():N}", organizationId = world.A.Id }))
            .IsOkAsync<CourseDto>(HttpStatusCode.Created);
        async Task<Guid> AssignAsync(User student) =>
            (await (await adminRoot.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = student.Id }))
                .IsOkAsync<CourseAssignmentDto>(HttpStatusCode.Created)).Id;
        var badge = Badge.Create($"Badge of A {Guid.NewGuid():N}", "d", "c", world.A, true, null, [], DateTime.UtcNow).Value;
        await app.Factory.WithDbAsync(async db =>
        {
            db.Badges.Add(badge);
            await db.SaveChangesAsync();
        });
        return new Setup(world, course, await AssignAsync(world.StudentA1x), await AssignAsync(world.StudentB1), badge);
    }

    private async Task<User> CallerAsync(World world, string caller) => caller switch
    {
        "system-administrator" => await app.RootAsync(),
        "administrator-above-both" => world.AdminRoot,
        "administrator-of-the-course" => world.AdminA,
        "administrator-beside" => world.AdminB,
        "instructor-of-the-class" => world.OrgInstructor,
        "instructor-of-another-class" => world.OtherInstructor,
        "student-assigned" => world.StudentB1,
        "student-elsewhere" => world.StudentA1,
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    public static TheoryData<string> Callers() =>
    [
        "system-administrator", "administrator-above-both", "administrator-of-the-course", "administrator-beside",
        "instructor-of-the-class", "instructor-of-another-class", "student-assigned", "student-elsewhere",
    ];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task CourseAssignmentsApi_Caller_SeesAndChangesOnlyAssignmentsOfCourseAndStudentInScope(string caller)
    {
        var (world, course, inside, beside, badge) = await SetUpAsync();
        var user = await CallerAsync(world, caller);
        var client = await app.ClientAsync(user);
        var aboveBoth = caller is "system-administrator" or "administrator-above-both";
        var administrator = user.Role == UserRole.Administrator;

        // The list of the course's assignments (administrators only: a student reads only studentId=their own).
        var list = await client.GetAsync($"/api/v1/course-assignments?courseId={course.Id}&pageSize=500");
        if (administrator)
        {
            var page = await list.IsOkAsync<Paged<CourseAssignmentDto>>();
            Guid[] expected = aboveBoth ? [inside, beside] : caller == "administrator-of-the-course" ? [inside] : [];
            Assert.Equal(expected.Order(), page.Items.Select(a => a.Id).Order());
            Assert.Equal(expected.Length, page.Total);
            Assert.Equal(aboveBoth, page.Items.Any(a => a.StudentEmail == world.StudentB1.Email));
        }
        else
        {
            await list.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        var own = await client.GetAsync($"/api/v1/course-assignments?studentId={world.StudentB1.Id}&pageSize=500");
        if (aboveBoth || caller == "student-assigned")
        {
            Assert.Contains(beside, (await own.IsOkAsync<Paged<CourseAssignmentDto>>()).Items.Select(a => a.Id));
        }
        else if (administrator)
        {
            Assert.Empty((await own.IsOkAsync<Paged<CourseAssignmentDto>>()).Items);
        }
        else
        {
            await own.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        // The assignment beside the course's organization, read by id.
        var detail = await client.GetAsync($"/api/v1/course-assignments/{beside}");
        if (aboveBoth || caller == "student-assigned")
        {
            Assert.Equal(world.StudentB1.Id, (await detail.IsOkAsync<CourseAssignmentDto>()).StudentId);
        }
        else
        {
            await detail.IsProblemAsync(HttpStatusCode.NotFound, "course_assignment_not_found");
        }

        // Completing it and issuing a badge of the course's organization from it.
        var refusal = administrator ? (HttpStatusCode.NotFound, "course_assignment_not_found") : (HttpStatusCode.Forbidden, "forbidden");
        if (aboveBoth)
        {
            Assert.NotNull((await (await client.PatchJsonAsync($"/api/v1/course-assignments/{beside}", new { completedAt = DateTime.UtcNow }))
                .IsOkAsync<CourseAssignmentDto>()).CompletedAt);
            var issued = await (await client.PostJsonAsync($"/api/v1/course-assignments/{beside}/badge-issuances", new { badgeId = badge.Id }))
                .IsOkAsync<IssueBadgesResult>();
            Assert.Equal(world.StudentB1.Id, Assert.Single(issued.Issued).StudentId);
            return;
        }
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await client.PatchJsonAsync($"/api/v1/course-assignments/{beside}", new { completedAt = DateTime.UtcNow }))
                .IsProblemAsync(refusal.Item1, refusal.Item2);
            await (await client.PostJsonAsync($"/api/v1/course-assignments/{beside}/badge-issuances", new { badgeId = badge.Id }))
                .IsProblemAsync(refusal.Item1, refusal.Item2);
        });
        if (caller == "administrator-of-the-course")
        {
            // The control: the same calls on the assignment within their scope succeed.
            Assert.NotNull((await (await client.PatchJsonAsync($"/api/v1/course-assignments/{inside}", new { completedAt = DateTime.UtcNow }))
                .IsOkAsync<CourseAssignmentDto>()).CompletedAt);
            var issued = await (await client.PostJsonAsync($"/api/v1/course-assignments/{inside}/badge-issuances", new { badgeId = badge.Id }))
                .IsOkAsync<IssueBadgesResult>();
            Assert.Equal(world.StudentA1x.Id, Assert.Single(issued.Issued).StudentId);
        }
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task CourseAndIssuePages_Caller_ShowAndChangeOnlyAssignmentsOfCourseAndStudentInScope(string caller)
    {
        var (world, course, inside, beside, badge) = await SetUpAsync();
        var user = await CallerAsync(world, caller);
        using var session = await PageSession.SignInAsync(app.Factory, user);
        var aboveBoth = caller is "system-administrator" or "administrator-above-both";

        var (status, html) = await session.GetAsync($"/admin/courses/{course.Id}");
        var (issueStatus, issueHtml) = await session.GetAsync($"/course-assignments/{beside}/issue-badge");
        if (aboveBoth)
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (status, issueStatus));
            Assert.Contains(world.StudentB1.Email, html, StringComparison.Ordinal);
            Assert.Contains(world.StudentA1x.Email, html, StringComparison.Ordinal);
            Assert.Contains($"{world.StudentB1.FirstName} {world.StudentB1.LastName}", issueHtml, StringComparison.Ordinal);
            return;
        }
        var expected = user.Role == UserRole.Administrator ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden;
        if (caller == "administrator-of-the-course")
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains(world.StudentA1x.Email, html, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, status);
        }
        Assert.Equal(expected, issueStatus);
        if (caller != "student-assigned")
        {
            // (The student's own pages name them in the account menu.)
            Assert.DoesNotContain(world.StudentB1.Email, html, StringComparison.Ordinal);
            Assert.DoesNotContain(world.StudentB1.Email, issueHtml, StringComparison.Ordinal);
            Assert.DoesNotContain($"{world.StudentB1.FirstName} {world.StudentB1.LastName}", issueHtml, StringComparison.Ordinal);
        }

        if (session.Token is null)
        {
            await session.GetAsync("/");
        }
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            using var complete = await session.PostAsync($"/admin/courses/{course.Id}?handler=Complete", [new("assignmentId", beside.ToString())]);
            using var issue = await session.PostAsync($"/course-assignments/{beside}/issue-badge", [new("BadgeId", badge.Id.ToString())]);
            Assert.Equal((expected, expected), (complete.StatusCode, issue.StatusCode));
        });
        if (caller == "administrator-of-the-course")
        {
            // The control: completing the assignment within their scope from the same page does change it.
            using var complete = await session.PostAsync($"/admin/courses/{course.Id}?handler=Complete", [new("assignmentId", inside.ToString())]);
            Assert.Equal(HttpStatusCode.Redirect, complete.StatusCode);
            Assert.NotNull(await app.Factory.WithDbAsync(async db => (await db.CourseAssignments.FindAsync(inside))!.CompletedAt));
        }
    }

    [Fact]
    public async Task CoursePageComplete_AssignmentOfAnotherCourse_AnswersNotFoundAndChangesNothing()
    {
        var (world, course, inside, _, _) = await SetUpAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var other = await (await adminA.PostJsonAsync("/api/v1/courses", new { name = $"Other course of A {Guid.NewGuid():N}", organizationId = world.A.Id }))
            .IsOkAsync<CourseDto>(HttpStatusCode.Created);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync($"/admin/courses/{other.Id}")).Status);

        // Both the course and the assignment are of AdminA's scope, but the assignment is not of the course in the URL.
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            using var complete = await session.PostAsync($"/admin/courses/{other.Id}?handler=Complete", [new("assignmentId", inside.ToString())]);
            Assert.Equal(HttpStatusCode.NotFound, complete.StatusCode);
        });
        Assert.Null(await app.Factory.WithDbAsync(async db => (await db.CourseAssignments.FindAsync(inside))!.CompletedAt));

        // The control: from its own course's page, the same assignment is completed.
        using var own = await session.PostAsync($"/admin/courses/{course.Id}?handler=Complete", [new("assignmentId", inside.ToString())]);
        Assert.Equal(HttpStatusCode.Redirect, own.StatusCode);
        Assert.NotNull(await app.Factory.WithDbAsync(async db => (await db.CourseAssignments.FindAsync(inside))!.CompletedAt));
    }

    [Fact]
    public async Task BatchOfAnAssignmentBeside_ReadByTheCoursesAdministrator_IsNotFoundOnTheApiPageAndDashboard()
    {
        var (world, _, inside, beside, badge) = await SetUpAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        var besideBatch = (await (await adminRoot.PostJsonAsync($"/api/v1/course-assignments/{beside}/badge-issuances", new { badgeId = badge.Id }))
            .IsOkAsync<IssueBadgesResult>()).Id;
        var insideBatch = (await (await adminRoot.PostJsonAsync($"/api/v1/course-assignments/{inside}/badge-issuances", new { badgeId = badge.Id }))
            .IsOkAsync<IssueBadgesResult>()).Id;
        var adminA = await app.ClientAsync(world.AdminA);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        var studentB1Name = $"{world.StudentB1.FirstName} {world.StudentB1.LastName}";

        // The course's administrator does not administer StudentB1: the batch that names them is not found, changing nothing.
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminA.GetAsync($"/api/v1/badge-issuances/{besideBatch}")).IsProblemAsync(HttpStatusCode.NotFound, "badge_issuance_not_found");
            var (status, html) = await session.GetAsync($"/badge-issuances/{besideBatch}");
            var csv = await session.GetResponseAsync($"/badge-issuances/{besideBatch}/result.csv");
            Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (status, csv.StatusCode));
            Assert.DoesNotContain(world.StudentB1.Email, html, StringComparison.Ordinal);
            Assert.DoesNotContain(studentB1Name, html, StringComparison.Ordinal);
        });
        var dashboardA = await (await adminA.GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        Assert.Equal([insideBatch], dashboardA.RecentBatches.Select(b => b.Id));
        var (_, pageOfInside) = await session.GetAsync($"/badge-issuances/{insideBatch}");
        Assert.Contains(world.StudentA1x.Email, pageOfInside, StringComparison.Ordinal);

        // The administrator above both, who issued it, still reads it everywhere.
        Assert.Equal(world.StudentB1.Id, Assert.Single((await (await adminRoot.GetAsync($"/api/v1/badge-issuances/{besideBatch}")).IsOkAsync<IssueBadgesResult>()).Issued).StudentId);
        using var rootSession = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        var (rootStatus, rootHtml) = await rootSession.GetAsync($"/badge-issuances/{besideBatch}");
        Assert.Equal(HttpStatusCode.OK, rootStatus);
        Assert.Contains(world.StudentB1.Email, rootHtml, StringComparison.Ordinal);
        var dashboardRoot = await (await adminRoot.GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        Assert.Contains(besideBatch, dashboardRoot.RecentBatches.Select(b => b.Id));
        Assert.Contains(insideBatch, dashboardRoot.RecentBatches.Select(b => b.Id));
    }
}
