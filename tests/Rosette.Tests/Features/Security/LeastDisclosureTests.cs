using System.Net;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>Instructors learn nothing about people outside their class (issue 14, item 5): failures, pages and CSVs.</summary>
public sealed class LeastDisclosureTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Issue_ToIdsOutsideTheRoster_NamesNobodyAndNoBadgeTheInstructorCannotSee()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.OrgInstructor);

        var response = await instructor.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new
        {
            badgeIds = new[] { world.Manual.Id, world.BadgeB.Id },
            studentIds = new[] { world.StudentA1.Id, world.StudentOutside.Id, world.StudentB1.Id, world.AdminB.Id },
        });
        var text = await response.Content.ReadAsStringAsync();
        var result = await response.IsOkAsync<IssueBadgesResult>();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        var (csvStatus, csv) = await session.GetAsync($"/badge-issuances/{result.Id}/result.csv");
        var (pageStatus, page) = await session.GetAsync($"/badge-issuances/{result.Id}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (csvStatus, pageStatus));
        foreach (var hidden in new[] { world.StudentOutside.FirstName, world.StudentOutside.Email, world.StudentB1.FirstName, world.StudentB1.Email,
            world.AdminB.FirstName, world.AdminB.Email, world.BadgeB.Name })
        {
            Assert.DoesNotContain(hidden, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(hidden, csv, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(hidden, page, StringComparison.OrdinalIgnoreCase);
        }
        // Pairs are reported in (badge, student) order, so each is picked by both ids: the badge's reason comes first.
        Assert.Equal("unknown_student", result.Failed.Single(f => f.StudentId == world.StudentOutside.Id && f.BadgeId == world.Manual.Id).Code);
        Assert.Equal("unknown_badge", result.Failed.Single(f => f.StudentId == world.StudentOutside.Id && f.BadgeId == world.BadgeB.Id).Code);
        Assert.Contains(world.StudentOutside.Id.ToString(), csv, StringComparison.Ordinal);
        Assert.Contains(world.StudentA1.Email, csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue_ByAnAdministratorOfTheStudent_NamesThem_ButTheStoredResultNamesThemOnlyToWhoMaySeeThem()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var result = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentOutside.Id } })).IsOkAsync<IssueBadgesResult>();

        var failure = Assert.Single(result.Failed);
        Assert.Equal("not_enrolled", failure.Code);
        Assert.Contains(world.StudentOutside.FullName, failure.Message, StringComparison.Ordinal);
        // The class's instructor may read the batch, but not the name of a student outside the roster they choose from.
        var instructor = await app.ClientAsync(world.OrgInstructor);
        var response = await instructor.GetAsync($"/api/v1/badge-issuances/{result.Id}");
        var text = await response.Content.ReadAsStringAsync();
        var seen = Assert.Single((await response.IsOkAsync<IssueBadgesResult>()).Failed);
        Assert.Equal(("not_enrolled", world.StudentOutside.Id), (seen.Code, seen.StudentId));
        Assert.Contains(world.StudentOutside.Id.ToString(), seen.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(world.StudentOutside.FirstName, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(world.StudentOutside.LastName, text, StringComparison.OrdinalIgnoreCase);
        var again = await (await admin.GetAsync($"/api/v1/badge-issuances/{result.Id}")).IsOkAsync<IssueBadgesResult>();
        Assert.Equal(failure.Message, Assert.Single(again.Failed).Message);
    }

    [Fact]
    public async Task IssueBadgesPage_AddStudentsCommand_TakesOnlyStudentsOfTheRoster()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        var url = $"/classes/{world.Class.Id}/issue-badges";
        await session.GetAsync(url);

        using var response = await session.PostAsync(url, [new("command", "add-students"),
            new("AddStudentIds", world.StudentA2.Id.ToString()), new("AddStudentIds", world.StudentOutside.Id.ToString()),
            new("AddStudentIds", world.StudentB1.Id.ToString()), new("AddStudentIds", world.AdminB.Id.ToString())]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(world.StudentA2.Email, html, StringComparison.Ordinal);
        foreach (var hidden in new[] { world.StudentOutside, world.StudentB1, world.AdminB })
        {
            Assert.DoesNotContain(hidden.Email, html, StringComparison.Ordinal);
            Assert.DoesNotContain(hidden.Id.ToString(), html, StringComparison.Ordinal);
        }
    }
}
