using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Courses;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Administration pages over HTTP: the enrol and assign searches mark students who are already in, wherever they stand in
/// the paged roster or assignment list (here: past its first page of 50); lists name each row's organization.
/// </summary>
public sealed class AdministrationPagesHttpTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task ClassesList_NamesEachClassesOrganization()
    {
        var world = await app.NewWorldAsync();
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        var (status, html) = await page.GetAsync($"/admin/classes?search={Uri.EscapeDataString(world.Class.Name)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches($"{System.Text.RegularExpressions.Regex.Escape(world.Class.Name)}</a></th>\\s*<td>{System.Text.RegularExpressions.Regex.Escape(world.Root.Name)}</td>", html);
    }

    [Fact]
    public async Task ClassPage_StudentSearch_MarksAStudentEnrolledBeyondTheFirstRosterPage()
    {
        var world = await app.NewWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 60);
        var last = await app.Factory.WithDbAsync(db => db.Users.FindAsync(students[^1]).AsTask());
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        var (status, html) = await page.GetAsync($"/admin/classes/{world.Class.Id}?studentSearch={Uri.EscapeDataString(last!.Email)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(last.Email, html.Split("id=\"enroll\"")[0], StringComparison.Ordinal);
        Assert.Contains($"{last.FirstName} {last.LastName} ({last.Email}), enrolled", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoursePage_StudentSearch_DisablesAssignForAStudentAssignedBeyondTheFirstPage()
    {
        var world = await app.NewWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 60);
        var now = DateTime.UtcNow.AddHours(-1);
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        await app.Factory.WithDbAsync(async db =>
        {
            db.CourseAssignments.AddRange(students.Select((s, i) => CourseAssignment.Create(world.Course.Id, s, now.AddSeconds(i))));
            await db.SaveChangesAsync();
        });
        var last = await app.Factory.WithDbAsync(db => db.Users.FindAsync(students[^1]).AsTask());
        var first = await app.Factory.WithDbAsync(db => db.Users.FindAsync(students[0]).AsTask());
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        var (status, html) = await page.GetAsync($"/admin/courses/{world.Course.Id}?studentSearch={Uri.EscapeDataString(last!.Email)}");
        var (_, page2) = await page.GetAsync($"/admin/courses/{world.Course.Id}?page=2");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(last.Email, page2, StringComparison.Ordinal);
        Assert.DoesNotContain(first!.Email, page2, StringComparison.Ordinal);
        Assert.Contains($"aria-label=\"Assign {world.Course.Name} to {last.FirstName} {last.LastName}\" disabled=\"disabled\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvidersPage_InvalidInputStaysOnTheFormBesideItsField_AnUnknownOrganizationIsAnErrorPage_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await page.GetAsync("/providers");
        static KeyValuePair<string, string>[] Form(Guid organizationId, string name) =>
        [
            new("Form.OrganizationId", organizationId.ToString()), new("Form.Name", name), new("Form.ProviderOrganizationId", "org"),
            new("Form.ApiBaseUrl", "https://api.credly.com/v1"), new("Form.ApiToken", "token"),
        ];
        var before = await app.Factory.WithDbAsync(db => db.BadgeProviders.CountAsync());

        var invalid = await page.PostAsync("/providers", Form(world.A.Id, ""));
        var unknown = await page.PostAsync("/providers", Form(Guid.NewGuid(), "Credly"));

        Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);
        Assert.Matches("data-valmsg-for=\"Form.Name\"[^>]*>'name' is required\\.", WebUtility.HtmlDecode(await invalid.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(before, await app.Factory.WithDbAsync(db => db.BadgeProviders.CountAsync()));
    }
}
