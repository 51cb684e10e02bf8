using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class ClassesApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_WithCourse_Returns201()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var created = await (await admin.PostJsonAsync("/api/v1/classes", new
        {
            name = "Evening cohort", organizationId = world.Root.Id, courseId = world.Course.Id,
            startsAt = "2027-01-10T09:00:00Z", endsAt = "2027-02-10T17:00:00Z",
        })).IsOkAsync<ClassDto>(HttpStatusCode.Created);

        Assert.Equal(world.Course.Id, created.CourseId);
        Assert.Equal(new DateTime(2027, 1, 10, 9, 0, 0, DateTimeKind.Utc), created.StartsAt);
    }

    [Fact]
    public async Task Create_EndBeforeStartOrOutOfScope_IsRefused()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);

        var instructorClient = await app.ClientAsync(world.OrgInstructor);

        var (backwards, outside, foreignCourse, instructor) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await adminA.PostJsonAsync("/api/v1/classes", new { name = "x", organizationId = world.A.Id, startsAt = "2027-02-01T00:00:00Z", endsAt = "2027-01-01T00:00:00Z" }),
            await adminA.PostJsonAsync("/api/v1/classes", new { name = "x", organizationId = world.B.Id }),
            await adminA.PostJsonAsync("/api/v1/classes", new { name = "x", organizationId = world.A.Id, courseId = world.Course.Id }),
            await instructorClient.PostJsonAsync("/api/v1/classes", new { name = "x", organizationId = world.A.Id })));

        (await backwards.IsProblemAsync(HttpStatusCode.BadRequest, "class_ends_before_start")).HasFieldError("endsAt");
        await outside.IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        await foreignCourse.IsProblemAsync(HttpStatusCode.NotFound, "course_not_found");
        await instructor.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task CreateAndUpdate_DatesOutOfRangeOrEndBeforeStart_AreRefusedWithTheirCodes_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var url = $"/api/v1/classes/{world.Class.Id}";
        (await admin.PatchJsonAsync(url, new { startsAt = "2030-03-01T00:00:00Z", endsAt = "2030-04-01T00:00:00Z" })).EnsureSuccessStatusCode();

        // Before, year 1 and year 9999 were stored as they were given (2000 to 2100 is the range, TrainingClass.FirstYear and LastYear).
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            foreach (var (startsAt, endsAt, field) in new (string?, string?, string)[]
            {
                ("0001-01-01T00:00:00Z", null, "startsAt"), (null, "9999-12-31T00:00:00Z", "endsAt"), ("1999-12-31T23:59:59Z", null, "startsAt"),
                (null, "2101-01-01T00:00:00Z", "endsAt"), ("2101-01-01T00:00:00Z", "2101-02-01T00:00:00Z", "startsAt"),
            })
            {
                (await (await admin.PostJsonAsync("/api/v1/classes", new { name = "x", organizationId = world.Root.Id, startsAt, endsAt }))
                    .IsProblemAsync(HttpStatusCode.BadRequest, "class_date_out_of_range")).HasFieldError(field);
                (await (await admin.PatchJsonAsync(url, new { startsAt, endsAt })).IsProblemAsync(HttpStatusCode.BadRequest, "class_date_out_of_range")).HasFieldError(field);
            }
            // An end before the stored start, and a start after the stored end: the order is checked on what the class would become.
            (await (await admin.PatchJsonAsync(url, new { endsAt = "2030-02-01T00:00:00Z" })).IsProblemAsync(HttpStatusCode.BadRequest, "class_ends_before_start")).HasFieldError("endsAt");
            (await (await admin.PatchJsonAsync(url, new { startsAt = "2030-05-01T00:00:00Z" })).IsProblemAsync(HttpStatusCode.BadRequest, "class_ends_before_start")).HasFieldError("endsAt");
        });

        var edges = await (await admin.PatchJsonAsync(url, new { startsAt = "2000-01-01T00:00:00Z", endsAt = "2100-12-31T23:59:59Z" })).IsOkAsync<ClassDto>();
        Assert.Equal(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), edges.StartsAt);
        var sameDay = await (await admin.PostJsonAsync("/api/v1/classes", new
        {
            name = "One day", organizationId = world.Root.Id, startsAt = "2030-03-01T00:00:00Z", endsAt = "2030-03-01T00:00:00Z",
        })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        Assert.Equal(sameDay.StartsAt, sameDay.EndsAt);
    }

    [Fact]
    public async Task Patch_RemovesADateOnlyWhenAskedTo_AndRefusesADateGivenAndRemovedAtOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var instructor = await app.ClientAsync(world.OrgInstructor);
        var url = $"/api/v1/classes/{world.Class.Id}";
        (await admin.PatchJsonAsync(url, new { startsAt = "2030-03-01T00:00:00Z", endsAt = "2030-04-01T00:00:00Z" })).EnsureSuccessStatusCode();
        var start = new DateTime(2030, 3, 1, 0, 0, 0, DateTimeKind.Utc);

        // A missing or null date is unchanged, as before; so is one whose removal is false.
        var renamed = await (await admin.PatchJsonAsync(url, new { name = "Renamed", endsAt = (string?)null, removeStartsAt = false })).IsOkAsync<ClassDto>();
        Assert.Equal((start, new DateTime(2030, 4, 1, 0, 0, 0, DateTimeKind.Utc)), (renamed.StartsAt!.Value, renamed.EndsAt!.Value));

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            (await (await admin.PatchJsonAsync(url, new { endsAt = "2030-05-01T00:00:00Z", removeEndsAt = true }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("endsAt");
            (await (await admin.PatchJsonAsync(url, new { startsAt = "2030-02-01T00:00:00Z", removeStartsAt = true, removeEndsAt = true }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("startsAt");
            // Removing is changing the class: an instructor of it may not.
            await (await instructor.PatchJsonAsync(url, new { removeEndsAt = true })).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        });

        var open = await (await admin.PatchJsonAsync(url, new { removeEndsAt = true })).IsOkAsync<ClassDto>();
        Assert.Equal((start, (DateTime?)null), (open.StartsAt!.Value, open.EndsAt));
        // With the start removed, an end earlier than the old start is no longer before anything.
        var moved = await (await admin.PatchJsonAsync(url, new { removeStartsAt = true, endsAt = "2030-01-15T00:00:00Z" })).IsOkAsync<ClassDto>();
        Assert.Equal(((DateTime?)null, new DateTime(2030, 1, 15, 0, 0, 0, DateTimeKind.Utc)), (moved.StartsAt, moved.EndsAt!.Value));
        var stored = await app.Factory.WithDbAsync(db => db.Classes.AsNoTracking().SingleAsync(c => c.Id == world.Class.Id));
        Assert.Equal(((DateTime?)null, (DateTime?)new DateTime(2030, 1, 15, 0, 0, 0, DateTimeKind.Utc)), (stored.StartsAt, stored.EndsAt));
        var audited = await app.Factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.EntityId == world.Class.Id && e.Kind == AuditKind.ClassUpdated)
            .Select(e => e.Summary).ToListAsync());
        Assert.Contains(audited, summary => summary.Contains("endsAt", StringComparison.Ordinal) && !summary.Contains("startsAt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClassPages_DatesOutOfRangeOrEndBeforeStart_AreSaidBesideTheField_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync("/admin/classes/new");
        var name = $"Dated {Guid.NewGuid():N}";

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            foreach (var (startsAt, endsAt, field, message) in new[]
            {
                ("0001-01-01", "2030-01-01", "StartsAt", "The date must be in the years 2000 to 2100."),
                ("2030-01-01", "9999-12-31", "EndsAt", "The date must be in the years 2000 to 2100."),
                ("2030-02-01", "2030-01-01", "EndsAt", "The end date cannot be before the start date."),
                // Before, the request filter refused text that is not a date with the 400 page.
                ("next monday", "2030-01-01", "StartsAt", "is not a date: give it as year-month-day"),
                ("2030-01-01", "31/01/2030", "EndsAt", "is not a date: give it as year-month-day"),
            })
            {
                using var created = await session.PostAsync("/admin/classes/new", [new("Input.Name", name), new("Input.OrganizationId", world.Root.Id.ToString()),
                    new("Input.StartsAt", startsAt), new("Input.EndsAt", endsAt)]);
                var html = await created.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, created.StatusCode);
                Assert.Contains($"<span class=\"field-error field-validation-error\" data-valmsg-for=\"Input.{field}\"", html, StringComparison.Ordinal);
                Assert.Contains(message, html, StringComparison.Ordinal);
            }
            await session.GetAsync($"/admin/classes/{world.Class.Id}");
            using var updated = await session.PostAsync($"/admin/classes/{world.Class.Id}", [new("Input.Name", world.Class.Name),
                new("Input.StartsAt", "2030-01-01"), new("Input.EndsAt", "9999-12-31")]);
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Contains("The date must be in the years 2000 to 2100.", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        });

        // Dates as a date input sends them are stored; an empty one is none.
        using var stored = await session.PostAsync("/admin/classes/new", [new("Input.Name", name), new("Input.OrganizationId", world.Root.Id.ToString()),
            new("Input.StartsAt", " 2030-01-01 "), new("Input.EndsAt", "")]);
        Assert.Equal(HttpStatusCode.Redirect, stored.StatusCode);
        var row = await app.Factory.WithDbAsync(db => db.Classes.Where(c => c.Name == name).Select(c => new { c.StartsAt, c.EndsAt }).SingleAsync());
        Assert.Equal(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), row.StartsAt);
        Assert.Null(row.EndsAt);
    }

    [Fact]
    public async Task ClassPage_AnEmptyDateClearsIt_AndOneThatIsNotADateIsSaidBesideTheField()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.PatchJsonAsync($"/api/v1/classes/{world.Class.Id}", new { startsAt = "2030-01-01T00:00:00Z", endsAt = "2030-02-01T00:00:00Z" })).EnsureSuccessStatusCode();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync($"/admin/classes/{world.Class.Id}");

        // Before, the request filter refused the text with the 400 page (a browser without a date picker sends what was typed).
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            using var refused = await session.PostAsync($"/admin/classes/{world.Class.Id}", [new("Input.Name", world.Class.Name),
                new("Input.StartsAt", "next monday"), new("Input.EndsAt", "2030-02-01")]);
            var html = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("<span class=\"field-error field-validation-error\" data-valmsg-for=\"Input.StartsAt\"", html, StringComparison.Ordinal);
            Assert.Contains("is not a date: give it as year-month-day", html, StringComparison.Ordinal);
        });

        // Before, an emptied field kept the stored date: the form sends both dates, so empty means none, as the domain allows.
        using var cleared = await session.PostAsync($"/admin/classes/{world.Class.Id}", [new("Input.Name", world.Class.Name),
            new("Input.StartsAt", ""), new("Input.EndsAt", "2030-02-01")]);
        Assert.Equal(HttpStatusCode.Redirect, cleared.StatusCode);
        var stored = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}")).IsOkAsync<ClassDto>();
        Assert.Null(stored.StartsAt);
        Assert.Equal(new DateTime(2030, 2, 1, 0, 0, 0, DateTimeKind.Utc), stored.EndsAt);
    }

    [Fact]
    public async Task List_EachRoleSeesItsOwnClasses()
    {
        var world = await app.NewWorldAsync();

        async Task<Guid[]> ClassesOf(User user) =>
            (await (await (await app.ClientAsync(user)).GetAsync("/api/v1/classes?pageSize=500")).IsOkAsync<Paged<ClassDto>>())
                .Items.Select(c => c.Id).Order().ToArray();

        Assert.Equal(new[] { world.Class.Id, world.OtherClass.Id }.Order(), await ClassesOf(world.AdminRoot));
        Assert.Empty(await ClassesOf(world.AdminA));
        Assert.Equal([world.Class.Id], await ClassesOf(world.OrgInstructor));
        Assert.Equal([world.Class.Id], await ClassesOf(world.ContractInstructor));
        Assert.Equal([world.OtherClass.Id], await ClassesOf(world.OtherInstructor));
        Assert.Equal(new[] { world.Class.Id, world.OtherClass.Id }.Order(), await ClassesOf(world.StudentA1));
        Assert.Empty(await ClassesOf(world.StudentOutside));
    }

    [Fact]
    public async Task Get_ClassNotTaughtByInstructor_Answers404()
    {
        var world = await app.NewWorldAsync();

        await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync($"/api/v1/classes/{world.OtherClass.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "class_not_found");
        await (await (await app.ClientAsync(world.AdminB)).GetAsync($"/api/v1/classes/{world.Class.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "class_not_found");
        var detail = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync($"/api/v1/classes/{world.Class.Id}")).IsOkAsync<ClassDto>();
        Assert.Equal(2, detail.Instructors!.Count);
    }

    [Fact]
    public async Task PutInstructor_ContractFromAnyOrganization_OrganizationOnlyFromScope()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);

        var instructor = await app.ClientAsync(world.OrgInstructor);

        var contract = await adminRoot.PutJsonAsync($"/api/v1/classes/{world.OtherClass.Id}/instructors/{world.ContractInstructor.Id}", new { kind = "contract" });
        var (orgKindOutside, student, missingKind, byInstructor) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await adminRoot.PutJsonAsync($"/api/v1/classes/{world.OtherClass.Id}/instructors/{world.ContractInstructor.Id}", new { kind = "organization" }),
            await adminRoot.PutJsonAsync($"/api/v1/classes/{world.OtherClass.Id}/instructors/{world.StudentA1.Id}", new { kind = "organization" }),
            await adminRoot.PutJsonAsync($"/api/v1/classes/{world.OtherClass.Id}/instructors/{world.OrgInstructor.Id}", new { }),
            await instructor.PutJsonAsync($"/api/v1/classes/{world.Class.Id}/instructors/{world.OtherInstructor.Id}", new { kind = "organization" })));

        Assert.Equal(HttpStatusCode.NoContent, contract.StatusCode);
        await orgKindOutside.IsProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await student.IsProblemAsync(HttpStatusCode.BadRequest, "not_an_instructor");
        await missingKind.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await byInstructor.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var classes = await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync("/api/v1/classes")).IsOkAsync<Paged<ClassDto>>();
        Assert.Contains(classes.Items, c => c.Id == world.OtherClass.Id);
    }

    [Fact]
    public async Task DeleteInstructor_RemovesAccess_AndSecondDeleteIs404()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);

        var first = await adminRoot.DeleteAsync($"/api/v1/classes/{world.Class.Id}/instructors/{world.ContractInstructor.Id}");
        var second = await DbSnapshot.UnchangedAsync(app.Factory, () => adminRoot.DeleteAsync($"/api/v1/classes/{world.Class.Id}/instructors/{world.ContractInstructor.Id}"));

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await second.IsProblemAsync(HttpStatusCode.NotFound, "instructor_not_found");
        await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync($"/api/v1/classes/{world.Class.Id}/roster")).IsProblemAsync(HttpStatusCode.NotFound, "class_not_found");
    }

    [Fact]
    public async Task Enroll_ReportsOneOutcomePerStudent()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminRoot);
        var unknown = Guid.NewGuid();

        var result = await (await adminA.PostJsonAsync($"/api/v1/classes/{world.OtherClass.Id}/enrollments", new
        {
            studentIds = new[] { world.StudentA2.Id, world.StudentA1.Id, world.OrgInstructor.Id, unknown, world.StudentA2.Id },
        })).IsOkAsync<EnrollStudentsResult>();

        Assert.Equal([world.StudentA2.Id], result.Enrolled);
        Assert.Equal("already_enrolled", result.Failed.Single(f => f.StudentId == world.StudentA1.Id).Code);
        Assert.Equal("not_a_student", result.Failed.Single(f => f.StudentId == world.OrgInstructor.Id).Code);
        Assert.Equal("unknown_student", result.Failed.Single(f => f.StudentId == unknown).Code);
        Assert.Equal(3, result.Failed.Count);
    }

    [Fact]
    public async Task Enroll_StudentOutsideAdministratorScope_IsUnknown_AndEmptyListIs400()
    {
        var world = await app.NewWorldAsync();
        var created = await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync("/api/v1/classes", new { name = "A class", organizationId = world.A.Id })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        var adminA = await app.ClientAsync(world.AdminA);

        var result = await (await adminA.PostJsonAsync($"/api/v1/classes/{created.Id}/enrollments", new { studentIds = new[] { world.StudentB1.Id, world.StudentA1x.Id } })).IsOkAsync<EnrollStudentsResult>();
        var empty = await DbSnapshot.UnchangedAsync(app.Factory, () => adminA.PostJsonAsync($"/api/v1/classes/{created.Id}/enrollments", new { studentIds = Array.Empty<Guid>() }));

        Assert.Equal([world.StudentA1x.Id], result.Enrolled);
        Assert.Equal("unknown_student", Assert.Single(result.Failed).Code);
        await empty.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Roster_OrganizationInstructorSeesOwnOrganizationsStudents_ContractInstructorSeesAll()
    {
        var world = await app.NewWorldAsync();

        async Task<Guid[]> RosterOf(User user) =>
            (await (await (await app.ClientAsync(user)).GetAsync($"/api/v1/classes/{world.Class.Id}/roster")).IsOkAsync<RosterResult>())
                .Students.Select(s => s.Id).Order().ToArray();

        Assert.Equal(new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentA1x.Id }.Order(), await RosterOf(world.OrgInstructor));
        Assert.Equal(world.ClassStudents.Select(s => s.Id).Order(), await RosterOf(world.ContractInstructor));
        Assert.Equal(world.ClassStudents.Select(s => s.Id).Order(), await RosterOf(world.AdminRoot));
        await (await (await app.ClientAsync(world.StudentA1)).GetAsync($"/api/v1/classes/{world.Class.Id}/roster")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await (await app.ClientAsync(world.OtherInstructor)).GetAsync($"/api/v1/classes/{world.Class.Id}/roster")).IsProblemAsync(HttpStatusCode.NotFound, "class_not_found");
    }

    [Fact]
    public async Task Roster_PagesAndSearches_AndUnenrolledStudentsLeave()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var page1 = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}/roster?page=1&pageSize=3")).IsOkAsync<RosterResult>();
        var page2 = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}/roster?page=2&pageSize=3")).IsOkAsync<RosterResult>();
        var search = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}/roster?search=studentb1")).IsOkAsync<RosterResult>();
        (await admin.DeleteAsync($"/api/v1/classes/{world.Class.Id}/enrollments/{world.StudentB1.Id}")).EnsureSuccessStatusCode();
        var after = await (await admin.GetAsync($"/api/v1/classes/{world.Class.Id}/roster")).IsOkAsync<RosterResult>();

        Assert.Equal((3, 1, 4), (page1.Students.Count, page2.Students.Count, page1.Total));
        Assert.Empty(page1.Students.Select(s => s.Id).Intersect(page2.Students.Select(s => s.Id)));
        Assert.Equal(world.StudentB1.Id, Assert.Single(search.Students).Id);
        Assert.DoesNotContain(after.Students, s => s.Id == world.StudentB1.Id);
    }
}
