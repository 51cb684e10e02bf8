using System.Net;
using Rosette.Features.Courses;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class CoursesApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task CreateCourseAndAssign_Returns201s_AndSecondAssignmentIs409()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var course = await (await admin.PostJsonAsync("/api/v1/courses", new { name = "Routing", organizationId = world.A.Id, enableAchievementsForOutsideOrganizations = true }))
            .IsOkAsync<CourseDto>(HttpStatusCode.Created);
        var assignment = await (await admin.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.StudentA1x.Id }))
            .IsOkAsync<CourseAssignmentDto>(HttpStatusCode.Created);
        var again = await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.StudentA1x.Id }));

        Assert.True(course.EnableAchievementsForOutsideOrganizations);
        Assert.Equal((course.Id, world.StudentA1x.Id, (DateTime?)null), (assignment.CourseId, assignment.StudentId, assignment.CompletedAt));
        await again.IsProblemAsync(HttpStatusCode.Conflict, "already_assigned");
    }

    [Fact]
    public async Task Assign_StudentOrCourseOutOfScope_Or_NonStudent_IsRefused()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var course = await (await adminA.PostJsonAsync("/api/v1/courses", new { name = "Switching", organizationId = world.A.Id })).IsOkAsync<CourseDto>(HttpStatusCode.Created);

        var instructor = await app.ClientAsync(world.OrgInstructor);

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminA.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.StudentB1.Id })).IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
            await (await adminA.PostJsonAsync("/api/v1/course-assignments", new { courseId = world.Course.Id, studentId = world.StudentA1.Id })).IsProblemAsync(HttpStatusCode.NotFound, "course_not_found");
            await (await adminA.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.OrgInstructor.Id })).IsProblemAsync(HttpStatusCode.BadRequest, "not_a_student");
            await (await adminA.PostJsonAsync("/api/v1/course-assignments", new { })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await instructor.PostJsonAsync("/api/v1/courses", new { name = "x", organizationId = world.A.Id })).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        });
    }

    [Fact]
    public async Task Assignments_StudentSeesOwn_AdministratorCompletes()
    {
        var world = await app.NewWorldAsync();
        var student = await app.ClientAsync(world.StudentA1);
        var admin = await app.ClientAsync(world.AdminRoot);

        var own = await (await student.GetAsync($"/api/v1/course-assignments?studentId={world.StudentA1.Id}")).IsOkAsync<Paged<CourseAssignmentDto>>();
        await (await student.GetAsync("/api/v1/course-assignments")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var completed = await (await admin.PatchJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}", new { completedAt = DateTime.UtcNow.AddMinutes(1) }))
            .IsOkAsync<CourseAssignmentDto>();

        Assert.Equal(world.Assignment.Id, Assert.Single(own.Items).Id);
        Assert.NotNull(completed.CompletedAt);
        // Completed in a year to come: refused, and the completion stays as it was.
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PatchJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}", new { completedAt = "9999-12-31T00:00:00Z" })))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PatchJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}", new { completedAt = DateTime.UtcNow.AddDays(1) })))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await DbSnapshot.UnchangedAsync(app.Factory, () => student.PatchJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}", new { completedAt = DateTime.UtcNow })))
            .IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
