using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Domain.Audit;
using Rosette.Domain.Classes;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

public sealed class AdministrationPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    [Fact]
    public async Task Badge_CreateWithImageAndManualIssuance_IsStoredAndShown()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: "/admin/badges/new");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Badge sections" }).GetByRole(AriaRole.Link, new() { Name = "Basic Information" }))
            .ToHaveAttributeAsync("aria-current", "page");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Packet Tracer");
        await page.GetByLabel("Description").FillAsync("Traces packets through a network.");
        await page.GetByLabel("Criteria").FillAsync("Complete the tracing lab.");
        await page.GetByLabel("Organization").SelectOptionAsync(world.Root.Id.ToString());
        await page.GetByLabel("Image").SetInputFilesAsync(new FilePayload { Name = "badge.png", MimeType = "image/png", Buffer = Encoding.UTF8.GetBytes("not really a png") });
        await page.GetByLabel("Enable Manual Issuance").CheckAsync();
        await Button(page, "Create badge").ClickAsync();

        // The bytes decide, not the name: the form comes back with the message beside the image field and the values kept.
        await Expect(page.Locator("#Image-error")).ToContainTextAsync("must be a PNG or an SVG");
        await Expect(page.GetByLabel("Image")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Packet Tracer");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Image").SetInputFilesAsync(new FilePayload { Name = "badge.bin", MimeType = "application/octet-stream", Buffer = Images.Png });
        await Expect(page.GetByLabel("Enable Manual Issuance")).ToBeCheckedAsync();
        await Button(page, "Create badge").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/badges/[0-9a-f-]{36}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Packet Tracer", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Enable Manual Issuance")).ToBeCheckedAsync();
        var badgeId = Guid.Parse(page.Url[^36..]);
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "The badge's current image" })).ToHaveAttributeAsync("src", $"/badges/{badgeId}/image?v=1");
        var stored = await App.Factory.WithDbAsync(db => db.Badges.SingleAsync(b => b.Id == badgeId));
        Assert.Equal((true, "image/png", world.Root.Id, "Complete the tracing lab."), (stored.AllowManualIssuance, stored.ImageContentType, stored.OrganizationId, stored.Criteria));
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "badge-created");

        await page.GetByRole(AriaRole.Link, new() { Name = "Availability" }).ClickAsync();
        await page.GetByLabel(world.A.Name, new() { Exact = true }).CheckAsync();
        await Button(page, "Save availability").ClickAsync();
        await Expect(page.GetByLabel(world.A.Name, new() { Exact = true })).ToBeCheckedAsync();
        await AssertAccessibleAsync(page);
        var availability = await App.Factory.WithDbAsync(db => db.Set<Domain.Badges.BadgeAvailability>().Where(a => a.BadgeId == badgeId).Select(a => a.OrganizationId).ToListAsync());
        Assert.Equal([world.A.Id], availability);
    }

    [Fact]
    public async Task Organizations_AdministratorAddsRenamesAndSetsPreferences_WithinTheirScopeOnly()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminA, path: "/admin/organizations");
        var tree = page.Locator("ul.tree");
        await Expect(tree.GetByRole(AriaRole.Link, new() { Name = world.A.Name, Exact = true })).ToBeVisibleAsync();
        await Expect(tree.GetByRole(AriaRole.Link, new() { Name = world.B.Name, Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Parent organization").Locator($"option[value='{world.B.Id}']")).ToHaveCountAsync(0);

        // A blank name is refused inline, and nothing is written.
        await Button(page, "Add organization").ClickAsync();
        await Expect(page.Locator(".field-error").First).Not.ToBeEmptyAsync();
        var name = $"Lab team {Guid.NewGuid():N}"[..20];
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Parent organization").SelectOptionAsync(world.A.Id.ToString());
        await page.GetByLabel("Enable Achievements").CheckAsync();
        await Button(page, "Add organization").ClickAsync();

        var added = tree.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });
        await Expect(added).ToBeVisibleAsync();
        var stored = await App.Factory.WithDbAsync(db => db.Organizations.SingleAsync(o => o.Name == name));
        Assert.Equal((world.A.Id, true), (stored.ParentId, stored.EnableAchievements));

        await added.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name + " renamed");
        await page.GetByLabel("Enable Achievements").UncheckAsync();
        await Button(page, "Save").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name + " renamed", Level = 1 })).ToBeVisibleAsync();
        var edited = await App.Factory.WithDbAsync(db => db.Organizations.SingleAsync(o => o.Id == stored.Id));
        Assert.Equal((name + " renamed", world.A.Id, false), (edited.Name, edited.ParentId, edited.EnableAchievements));
        await AssertAccessibleAsync(page);

        var outOfScope = await page.GotoAsync($"/admin/organizations/{world.B.Id}");
        Assert.Equal(404, outOfScope!.Status);
    }

    [Fact]
    public async Task Import_CsvWithGoodAndBadRows_PreviewsRowByRow_ThenImportsTheGoodOnes()
    {
        var world = await NewWorldAsync();
        var newEmail = $"grace.{Guid.NewGuid():N}@import.rosette.test";
        var csv = $"""
            email,first name,last name,organization
            {newEmail},Grace,Hopper,{world.A.Name}
            {world.StudentOutside.Email},,,
            {world.StudentA1.Email},,,
            grace at example,Bad,Email,
            x.{Guid.NewGuid():N}@import.rosette.test,Some,One,Atlantis
            {newEmail},Grace,Twice,
            """;
        var page = await LogInAsync(world.AdminRoot, path: $"/admin/classes/{world.OtherClass.Id}/import");

        await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "roster.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await Button(page, "Preview").ClickAsync();

        await Expect(page.GetByText("Nothing has been written yet.")).ToBeVisibleAsync();
        var rows = page.Locator("#import-rows tbody tr");
        await Expect(rows).ToHaveCountAsync(6);
        await Expect(rows.Filter(new() { HasText = newEmail }).Filter(new() { HasText = "New user" })).ToHaveCountAsync(1);
        await Expect(rows.Filter(new() { HasText = world.StudentOutside.Email })).ToContainTextAsync("Existing user enrolled");
        await Expect(rows.Filter(new() { HasText = world.StudentA1.Email })).ToContainTextAsync("Already enrolled");
        await Expect(rows.Filter(new() { HasText = "grace at example" })).ToContainTextAsync("Invalid email");
        await Expect(rows.Filter(new() { HasText = "Atlantis" })).ToContainTextAsync("Unknown organization");
        await Expect(rows.Filter(new() { HasText = "Twice" })).ToContainTextAsync("Duplicate row");
        Assert.False(await App.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == newEmail)));
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "import-preview");

        await Button(page, "Import 2 rows").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import result" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Imported 1 new student and enrolled 1 existing student. 1 already enrolled. 3 rows were not imported.");
        var enrolled = await App.Factory.WithDbAsync(db => db.Enrollments.Where(e => e.ClassId == world.OtherClass.Id && e.IsActive)
            .Join(db.Users, e => e.StudentId, u => u.Id, (e, u) => u.Email).ToListAsync());
        Assert.Equal(new[] { world.StudentA1.Email, world.StudentOutside.Email, newEmail }.Order(), enrolled.Order());
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "import-result");
    }

    [Fact]
    public async Task Class_AssignContractInstructorFromAnotherOrganization_WhoThenSeesTheRoster()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: $"/admin/classes/{world.OtherClass.Id}");
        var field = page.GetByLabel("Or the user id of an instructor from another organization");

        await field.FillAsync("not-an-id");
        await Button(page, "Assign instructor").ClickAsync();
        await Expect(page.Locator("#Assign_OtherUserId-error")).ToContainTextAsync("That is not a user id");
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");

        await field.FillAsync(world.ContractInstructor.Id.ToString());
        await page.GetByLabel("Contract instructor (hired for this class: teaches all its students)").CheckAsync();
        await Button(page, "Assign instructor").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Assigned the contract instructor.");
        var row = page.Locator("#instructors tbody tr").Filter(new() { HasText = world.ContractInstructor.Email });
        await Expect(row).ToContainTextAsync("Contract");
        await Expect(row.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync($"{world.ContractInstructor.FirstName} {world.ContractInstructor.LastName}");
        var kind = await App.Factory.WithDbAsync(db => db.ClassInstructors.Where(i => i.ClassId == world.OtherClass.Id && i.UserId == world.ContractInstructor.Id).Select(i => i.Kind).SingleAsync());
        Assert.Equal(InstructorKind.Contract, kind);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "contract-instructor");

        var instructor = await LogInAsync(world.ContractInstructor, path: $"/classes/{world.OtherClass.Id}/roster");
        await Expect(instructor.GetByRole(AriaRole.Heading, new() { Name = "Roster", Level = 1 })).ToBeVisibleAsync();
        await Expect(instructor.GetByRole(AriaRole.Table).Locator("tbody tr")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task AuditLog_AfterBatchIssuance_ShowsOneEntryWithItsCounts_FiltersAndExports()
    {
        var world = await NewWorldAsync();
        using (var instructor = await App.Factory.ClientForAsync(world.ContractInstructor))
        {
            var response = await instructor.PostAsJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id, world.NoManual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentB1.Id } });
            response.EnsureSuccessStatusCode();
        }
        var summary = $"Issued 2 of 4 badge-student pairs in class '{world.Class.Name}' (2 failed)";
        var page = await LogInAsync(world.AdminRoot, path: "/admin/audit");

        await page.GetByLabel("Kind").SelectOptionAsync("badges_issued");
        await page.GetByLabel("Organization").SelectOptionAsync(world.Root.Id.ToString());
        await Button(page, "Filter").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("kind=badges_issued"));
        var rows = page.Locator("#audit-entries tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync(summary);
        await Expect(rows).ToContainTextAsync("badges issued");
        await Expect(rows).ToContainTextAsync(world.Root.Name);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "audit-log");

        await rows.GetByRole(AriaRole.Link, new() { Name = $"{world.ContractInstructor.FirstName} {world.ContractInstructor.LastName}" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"actorId={world.ContractInstructor.Id}"));
        await Expect(page.GetByText($"Only what {world.ContractInstructor.FirstName} {world.ContractInstructor.LastName} did.")).ToBeVisibleAsync();
        await Expect(rows).ToHaveCountAsync(1);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path!)).Where(l => l.Length > 0).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(summary, lines[1], StringComparison.Ordinal);
        Assert.Contains(world.ContractInstructor.Email, lines[1], StringComparison.Ordinal);

        var entries = await App.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Kind == AuditKind.BadgesIssued && e.ActorId == world.ContractInstructor.Id));
        Assert.Equal(1, entries);
    }

    [Fact]
    public async Task Dashboard_DrawsTheAwardsChart_AndListsTheLastBatch()
    {
        var world = await NewWorldAsync();
        using (var instructor = await App.Factory.ClientForAsync(world.ContractInstructor))
        {
            (await instructor.PostAsJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id, world.Archived.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentB1.Id } }))
                .EnsureSuccessStatusCode();
        }

        var page = await LogInAsync(world.AdminRoot, path: "/admin");

        var chart = page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Awards per week") });
        await Expect(chart).ToBeVisibleAsync();
        await Expect(chart.Locator("rect.bar")).ToHaveCountAsync(26);
        var thisWeek = chart.Locator("rect.bar").Last;
        await Expect(thisWeek.Locator("title")).ToHaveTextAsync(new Regex(": 3 awards$"));
        var box = await thisWeek.BoundingBoxAsync();
        Assert.True(box is { Height: > 20 }, $"The bar of this week should be drawn, got {box?.Height}px");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Top badges" })).ToContainTextAsync($"{world.Manual.Name}: 3 holders");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Classes with the most issuances" })).ToContainTextAsync($"{world.Class.Name}: 3 awards");
        var batch = page.Locator("#recent-batches tbody tr").First;
        await Expect(batch).ToContainTextAsync(world.Class.Name);
        await Expect(page.GetByText("Why pairs failed: badge archived (3).")).ToBeVisibleAsync();
        // Decision 0026: the counted figures say when they were counted and for how long they are shown.
        await Expect(page.Locator("#figures-counted")).ToContainTextAsync(new Regex(@"as counted at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC; a view a minute or more later counts them again\."));
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "dashboard");
    }

    [Fact]
    public async Task AdministrationPages_AreAccessible_AndEveryFormNeedsItsAntiforgeryToken()
    {
        var world = await NewWorldAsync();
        await App.Factory.GiveImageAsync(world.Manual);
        await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        var page = await LogInAsync(world.AdminRoot, path: "/admin");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Administration" });
        await Expect(nav.GetByRole(AriaRole.Link)).ToHaveCountAsync(12);
        var paths = new[]
        {
            "/admin", "/admin/organizations", $"/admin/organizations/{world.A.Id}", "/admin/users", "/admin/users/new", $"/admin/users/{world.StudentA1.Id}",
            "/admin/classes", "/admin/classes/new", $"/admin/classes/{world.Class.Id}?studentSearch={world.StudentOutside.FirstName}",
            $"/admin/classes/{world.Class.Id}/import", "/admin/courses", $"/admin/courses/{world.Course.Id}?studentSearch=student", "/admin/badges",
            "/admin/badges/new", $"/admin/badges/{world.Manual.Id}", $"/admin/badges/{world.Manual.Id}/availability", $"/admin/badges/{world.Manual.Id}/holders",
            "/admin/audit", "/admin/expiring-awards", "/webhooks",
        };
        var posts = new List<string>();
        foreach (var path in paths)
        {
            var response = await page.GotoAsync(path);
            Assert.True(response!.Status == 200, $"{path} answered {response.Status}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            await AssertAccessibleAsync(page);
            var forms = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('form[method=post]')].map(f => (f.querySelector('input[name=__RequestVerificationToken]') ? '' : 'MISSING ') + f.action)");
            Assert.DoesNotContain(forms, f => f.StartsWith("MISSING", StringComparison.Ordinal));
            posts.AddRange(forms.Where(f => f.Contains("/admin", StringComparison.Ordinal)));
        }
        await ScreenshotAsync(page, "audit-page");
        var phone = await LogInAsync(world.AdminRoot, width: PhoneWidth, path: $"/admin/classes/{world.Class.Id}");
        await AssertNoSidewaysScrollAsync(phone);

        // The same forms, posted with the signed-in cookie but without their token, are refused.
        Assert.True(posts.Distinct().Count() >= 15, $"Only {posts.Distinct().Count()} forms found");
        foreach (var action in posts.Distinct())
        {
            var response = await page.Context.APIRequest.PostAsync(action, new() { Form = page.Context.APIRequest.CreateFormData().Set("Input.Name", "forged") });
            Assert.True(response.Status == 400, $"{action} accepted a post without its token: {response.Status}");
        }
        Assert.Equal(world.A.Name, await App.Factory.WithDbAsync(db => db.Organizations.Where(o => o.Id == world.A.Id).Select(o => o.Name).SingleAsync()));

        // A generated password is shown once, on the answer to the reset.
        await page.GotoAsync($"/admin/users/{world.StudentA2.Id}");
        await page.GetByLabel("A generated password, shown once").CheckAsync();
        await Button(page, "Reset password").ClickAsync();
        await Expect(page.Locator("#generated-password")).ToHaveTextAsync(new Regex("^[A-Za-z0-9]{20}$"));
        await AssertAccessibleAsync(page);

        // The reset-password page a link leads to, for anyone, with an inline message for a link that does not work.
        var anonymous = await NewPageAsync();
        await anonymous.GotoAsync($"/reset-password?userId={world.StudentA1.Id}&token=not-a-token");
        await anonymous.GetByLabel("New password", new() { Exact = true }).FillAsync("a-long-new-password");
        await anonymous.GetByLabel("Confirm the new password").FillAsync("a-long-new-password");
        await Button(anonymous, "Set password").ClickAsync();
        await Expect(anonymous.GetByRole(AriaRole.Alert)).ToContainTextAsync("This password reset link is invalid");
        await AssertAccessibleAsync(anonymous);

        // Everything is decided on the server: an instructor gets no menu and 403 pages.
        var instructor = await LogInAsync(world.OrgInstructor);
        await Expect(instructor.GetByRole(AriaRole.Navigation, new() { Name = "Administration" })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/admin", "/admin/users", "/admin/audit", $"/admin/classes/{world.Class.Id}", $"/admin/classes/{world.Class.Id}/import", $"/admin/badges/{world.Manual.Id}" })
        {
            var response = await instructor.GotoAsync(path);
            Assert.True(response!.Status == 403, $"{path} answered {response.Status} to an instructor");
        }
    }
}
