using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

/// <summary>The seed's flows, to the letter: batch issuance from the Issue Badges page and individual issuance from the roster.</summary>
public sealed class IssuancePageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    private const string Warning = "Warning: Not all badges were successfully issued. See the Failed Badge list for details.";

    private static ILocator Dialog(IPage page, string name) => page.GetByRole(AriaRole.Dialog, new() { Name = name });

    private static ILocator Button(ILocator scope, string name) => scope.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    [Fact]
    public async Task BatchFlow_FromTheRoster_MixedOutcome_ShowsTheSeedsHeadingsAndWarning()
    {
        var world = await NewWorldAsync();
        await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        var page = await LogInAsync(world.ContractInstructor, path: $"/classes/{world.Class.Id}/roster");

        // 1. Roster page, "Issue Badges" in the quick launch bar.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Quick launch" }).GetByRole(AriaRole.Link, new() { Name = "Issue Badges" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Issue Badges", Level = 1 })).ToBeVisibleAsync();
        // 2-3. Under Badges, Add Badges; in Choose Badges, tick the badges and confirm.
        await Button(page, "Add Badges").ClickAsync();
        var badges = Dialog(page, "Choose Badges");
        await Expect(badges).ToBeVisibleAsync();
        await Expect(badges.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(2);
        await badges.GetByLabel(world.Manual.Name).CheckAsync();
        await badges.GetByLabel(world.Manual2.Name).CheckAsync();
        await AssertAccessibleAsync(page);
        await Button(badges, "(Select a Badge)").ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Chosen badges" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        // 4-5. Under Students, Add Students; in Choose Student(s), choose and OK.
        await Button(page, "Add Students").ClickAsync();
        var students = Dialog(page, "Choose Student(s)");
        await Expect(students.GetByRole(AriaRole.Checkbox, new() { Name = world.StudentB1.FirstName, Exact = false })).ToBeVisibleAsync();
        await Expect(students.GetByText($"Already holds {world.Manual.Name}")).ToHaveCountAsync(1);
        await students.GetByLabel(new Regex("^Select all")).CheckAsync();
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "choose-students");
        await Button(students, "OK").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Chosen students" }).Locator("tbody tr")).ToHaveCountAsync(4);
        // Meanwhile an administrator turns manual issuance off for one of the chosen badges.
        var admin = await App.ClientAsync(world.AdminRoot);
        (await admin.PatchJsonAsync($"/api/v1/badges/{world.Manual2.Id}", new { allowManualIssuance = false })).EnsureSuccessStatusCode();
        // 6. Review, Issue Badges.
        await Button(page, "Issue Badges").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(Warning);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were successfully issued:" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badge issuances failed:" })).ToBeVisibleAsync();
        await Expect(page.Locator("table[data-result=issued] tbody tr")).ToHaveCountAsync(3);
        var failed = page.Locator("table[data-result=failed] tbody tr");
        await Expect(failed).ToHaveCountAsync(5);
        await Expect(failed.Filter(new() { HasText = "not marked to allow manual issuance" })).ToHaveCountAsync(4);
        await Expect(failed.Filter(new() { HasText = world.StudentA1.Email }).Filter(new() { HasText = "already earned" })).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "batch-result");
    }

    [Fact]
    public async Task ChooseStudents_OrganizationInstructorSeesOnlyTheirOrganizations_ContractInstructorAll()
    {
        var world = await NewWorldAsync();

        async Task<int> ChoicesOf(Domain.Users.User instructor)
        {
            var page = await LogInAsync(instructor, path: $"/classes/{world.Class.Id}/issue-badges");
            await Button(page, "Add Students").ClickAsync();
            var dialog = Dialog(page, "Choose Student(s)");
            await Expect(dialog.Locator("#student-choice-list li").First).ToBeVisibleAsync();
            if (instructor == world.OrgInstructor)
            {
                await Expect(dialog).Not.ToContainTextAsync(world.StudentB1.Email);
            }
            return await dialog.Locator("#student-choice-list li").CountAsync();
        }

        Assert.Equal(3, await ChoicesOf(world.OrgInstructor));
        Assert.Equal(4, await ChoicesOf(world.ContractInstructor));
    }

    [Fact]
    public async Task ChooseStudents_SearchNarrowsInPlace()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: $"/classes/{world.Class.Id}/issue-badges");

        await Button(page, "Add Students").ClickAsync();
        var dialog = Dialog(page, "Choose Student(s)");
        await Expect(dialog.Locator("#student-choice-list li")).ToHaveCountAsync(4);
        await dialog.GetByLabel("Search students").FillAsync("studentb1");

        await Expect(dialog.Locator("#student-choice-list li")).ToHaveCountAsync(1);
        await Expect(dialog.Locator("#student-choice-list")).ToContainTextAsync(world.StudentB1.Email);
    }

    [Fact]
    public async Task ChooseStudents_Next_ShowsTheNextPageOfStudents()
    {
        var world = await NewWorldAsync();
        // One chooser page and one student more, beside the world's own: two pages.
        await App.Factory.EnrollStudentsAsync(world.Class, world.Root, Rosette.Features.Issuance.IssueBadgesPageModel.StudentPageSize + 1, "Pupil");
        var page = await LogInAsync(world.AdminRoot, path: $"/classes/{world.Class.Id}/issue-badges");

        await Button(page, "Add Students").ClickAsync();
        var dialog = Dialog(page, "Choose Student(s)");
        var students = dialog.Locator("#student-choice-list li");
        await Expect(students).ToHaveCountAsync(Rosette.Features.Issuance.IssueBadgesPageModel.StudentPageSize);
        await Expect(dialog.GetByText("Page 1 of 2")).ToBeVisibleAsync();
        var first = await students.AllInnerTextsAsync();
        await Button(dialog, "Next").ClickAsync();

        // Before 5f6cbb4, Next showed the first page again.
        await Expect(dialog.GetByText("Page 2 of 2")).ToBeVisibleAsync();
        await Expect(Button(dialog, "Previous")).ToBeVisibleAsync();
        var second = await students.AllInnerTextsAsync();
        Assert.NotEmpty(second);
        Assert.True(second.Count < Rosette.Features.Issuance.IssueBadgesPageModel.StudentPageSize, $"{second.Count} students on the last page");
        Assert.Empty(second.Intersect(first));
    }

    [Fact]
    public async Task IndividualIssuance_FromTheRoster_HeldBadgesCannotBeChosen()
    {
        var world = await NewWorldAsync();
        await App.Factory.GiveImageAsync(world.Manual2);
        await App.Factory.AwardAsync(world.Manual, world.StudentA2, world.Class);
        var page = await LogInAsync(world.OrgInstructor, path: $"/classes/{world.Class.Id}/roster");
        var name = $"{world.StudentA2.FirstName} {world.StudentA2.LastName}";

        var opener = page.GetByRole(AriaRole.Button, new() { Name = $"Issue a Badge to {name}", Exact = true });
        await opener.ClickAsync();
        var dialog = Dialog(page, "Choose Badge");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Radio, new() { Name = world.Manual.Name })).ToBeDisabledAsync();
        await Expect(dialog.GetByText("Held", new() { Exact = true }).First).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = world.Manual2.Name }).CheckAsync();
        await Button(dialog, "Issue Badge").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{world.Manual2.Name} was issued to {name}.");
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = world.StudentA2.Email });
        await Expect(row.GetByRole(AriaRole.Img, new() { Name = world.Manual2.Name })).ToBeVisibleAsync();
    }

    /// <summary>More badges than a page: the seed's Choose Badges dialog searched and paged in place, picks kept across searches.</summary>
    [Fact]
    public async Task ChooseBadges_SearchAndMore_PicksAcrossTwoSearches_ThenIssuesThem()
    {
        var world = await NewWorldAsync();
        var labs = await AddBadgesAsync(world, 60);
        var page = await LogInAsync(world.AdminRoot, path: $"/classes/{world.Class.Id}/issue-badges");

        await Button(page, "Add Badges").ClickAsync();
        var badges = Dialog(page, "Choose Badges");
        await Expect(badges.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(50);
        await Button(badges, "More badges").ClickAsync();
        await Expect(badges.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(62);
        await Expect(Button(badges, "More badges")).ToHaveCountAsync(0);
        await badges.GetByLabel("Search badges").FillAsync("LAB SAFETY 07");
        await Expect(badges.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(1);
        await badges.GetByLabel(labs[6].Name).CheckAsync();
        await badges.GetByLabel("Search badges").FillAsync("manual two");
        await Expect(badges.GetByRole(AriaRole.Checkbox)).ToHaveCountAsync(2);
        await Expect(badges.GetByLabel(labs[6].Name)).ToBeCheckedAsync();
        await badges.GetByLabel(world.Manual2.Name).CheckAsync();
        await badges.GetByLabel("Search badges").FillAsync("nothing like it");
        await Expect(badges.GetByText("No badges match your search.")).ToBeVisibleAsync();
        await Expect(badges.GetByRole(AriaRole.Checkbox, new() { Checked = true })).ToHaveCountAsync(2);
        await AssertAccessibleAsync(page);
        await Button(badges, "(Select a Badge)").ClickAsync();
        var chosen = page.GetByRole(AriaRole.List, new() { Name = "Chosen badges" }).GetByRole(AriaRole.Listitem);
        await Expect(chosen).ToHaveCountAsync(2);
        await Button(page, "Add Students").ClickAsync();
        var students = Dialog(page, "Choose Student(s)");
        await students.GetByLabel(new Regex("^Select all")).CheckAsync();
        await Button(students, "OK").ClickAsync();
        await Button(page, "Issue Badges").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were successfully issued:" })).ToBeVisibleAsync();
        var issued = page.Locator("table[data-result=issued] tbody tr");
        await Expect(issued).ToHaveCountAsync(8);
        await Expect(issued.Filter(new() { HasText = labs[6].Name })).ToHaveCountAsync(4);
        await Expect(issued.Filter(new() { HasText = world.Manual2.Name })).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task IndividualIssuance_FromTheRoster_SearchFindsABadgePastTheFirstPage_AndMarksHeldOnes()
    {
        var world = await NewWorldAsync();
        var labs = await AddBadgesAsync(world, 60);
        await App.Factory.AwardAsync(world.Manual, world.StudentA2, world.Class);
        var page = await LogInAsync(world.OrgInstructor, path: $"/classes/{world.Class.Id}/roster");
        var name = $"{world.StudentA2.FirstName} {world.StudentA2.LastName}";

        await page.GetByRole(AriaRole.Button, new() { Name = $"Issue a Badge to {name}", Exact = true }).ClickAsync();
        var dialog = Dialog(page, "Choose Badge");
        await Expect(dialog.GetByRole(AriaRole.Radio)).ToHaveCountAsync(50);
        await dialog.GetByLabel("Search badges").FillAsync("manual");
        await Expect(dialog.GetByRole(AriaRole.Radio)).ToHaveCountAsync(2);
        await Expect(dialog.GetByRole(AriaRole.Radio, new() { NameRegex = new Regex($"^{Regex.Escape(world.Manual.Name)} Held$") })).ToBeDisabledAsync();
        await Expect(dialog.GetByRole(AriaRole.Radio, new() { NameRegex = new Regex($"^{Regex.Escape(world.Manual2.Name)}$") })).ToBeEnabledAsync();
        await dialog.GetByLabel("Search badges").FillAsync(labs[59].Name);
        await Expect(dialog.GetByRole(AriaRole.Radio)).ToHaveCountAsync(1);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = labs[59].Name }).CheckAsync();
        await AssertAccessibleAsync(page);
        await Button(dialog, "Issue Badge").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{labs[59].Name} was issued to {name}.");
    }

    /// <summary>Lab safety 01 to <paramref name="count"/>, of the class's organization, allowing manual issuance.</summary>
    private Task<List<Domain.Badges.Badge>> AddBadgesAsync(World world, int count) => App.Factory.WithDbAsync(async db =>
    {
        var badges = Enumerable.Range(1, count)
            .Select(i => Domain.Badges.Badge.Create($"Lab safety {i:D2}", "A lab badge.", null, world.Root, true, null, [], DateTime.UtcNow).Value).ToList();
        db.Badges.AddRange(badges);
        await db.SaveChangesAsync();
        return badges;
    });

    [Fact]
    public async Task BatchFlow_KeyboardOnly_DialogsTakeAndReturnFocus()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: $"/classes/{world.Class.Id}/issue-badges");
        async Task TabToAsync(ILocator target)
        {
            for (var i = 0; i < 40 && !await target.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            {
                await page.Keyboard.PressAsync("Tab");
            }
            await Expect(target).ToBeFocusedAsync();
        }

        await TabToAsync(Button(page, "Add Badges"));
        await page.Keyboard.PressAsync("Enter");
        var badges = Dialog(page, "Choose Badges");
        await Expect(badges).ToBeVisibleAsync();
        await Expect(badges.GetByLabel("Search badges")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(badges).ToBeHiddenAsync();
        await Expect(Button(page, "Add Badges")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await TabToAsync(badges.GetByLabel(world.Manual.Name));
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(Button(badges, "(Select a Badge)"));
        await page.Keyboard.PressAsync("Enter");
        await TabToAsync(Button(page, "Add Students"));
        await page.Keyboard.PressAsync("Enter");
        var students = Dialog(page, "Choose Student(s)");
        await TabToAsync(students.GetByLabel(new Regex("^Select all")));
        await page.Keyboard.PressAsync("Space");
        await TabToAsync(Button(students, "OK"));
        await page.Keyboard.PressAsync("Enter");
        await TabToAsync(Button(page, "Issue Badges"));
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were successfully issued:" })).ToBeVisibleAsync();
        await Expect(page.Locator("table[data-result=issued] tbody tr")).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task BatchFlow_WithoutJavaScript_WorksAsPlainFormSteps()
    {
        var world = await NewWorldAsync();
        var context = await LogInWithoutScriptAsync(world);
        var page = context;

        await Button(page, "Add Badges").ClickAsync();
        await page.GetByLabel(world.Manual.Name).CheckAsync();
        await Button(page, "(Select a Badge)").ClickAsync();
        await Button(page, "Add Students").ClickAsync();
        await page.GetByLabel("Search students").FillAsync("studenta");
        await Button(page, "Search").Last.ClickAsync();
        await Expect(page.Locator("#student-choice-list li")).ToHaveCountAsync(3);
        await page.GetByLabel(new Regex("^Select all")).CheckAsync();
        await Button(page, "OK").ClickAsync();
        await Button(page, "Issue Badges").ClickAsync();

        await Expect(page.Locator("table[data-result=issued] tbody tr")).ToHaveCountAsync(3);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Result_CanBeDownloadedAsCsv_WithEveryPair()
    {
        var world = await NewWorldAsync();
        await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        var page = await LogInAsync(world.AdminRoot, path: $"/classes/{world.Class.Id}/issue-badges");
        await Button(page, "Add Badges").ClickAsync();
        await Dialog(page, "Choose Badges").GetByLabel(world.Manual.Name).CheckAsync();
        await Button(Dialog(page, "Choose Badges"), "(Select a Badge)").ClickAsync();
        await Button(page, "Add Students").ClickAsync();
        await Dialog(page, "Choose Student(s)").GetByLabel(new Regex("^Select all")).CheckAsync();
        await Button(Dialog(page, "Choose Student(s)"), "OK").ClickAsync();
        await Button(page, "Issue Badges").ClickAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download the result as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);

        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("outcome,student,email,badge,issued_at,code,description,award_id", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Count(l => l.StartsWith("issued,", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.StartsWith("failed,", StringComparison.Ordinal) && l.Contains("already_earned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AwardPage_AdministratorRevokesWithAReason_OthersOnlyRead()
    {
        var world = await NewWorldAsync();
        var award = await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        var instructor = await LogInAsync(world.ContractInstructor, path: $"/awards/{award.Id}");
        await Expect(instructor.GetByRole(AriaRole.Heading, new() { Name = world.Manual.Name, Level = 1 })).ToBeVisibleAsync();
        await Expect(Button(instructor, "Revoke")).ToHaveCountAsync(0);

        var page = await LogInAsync(world.AdminRoot, path: $"/awards/{award.Id}");
        await AssertAccessibleAsync(page);
        await Button(page, "Revoke").ClickAsync();
        await Expect(page.GetByLabel("Reason (shown on the credential)")).ToBeFocusedAsync();
        await page.GetByLabel("Reason (shown on the credential)").FillAsync("Awarded to the wrong student");
        await Button(page, "Revoke").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The award was revoked.");
        await Expect(page.Locator(".details .tag").First).ToHaveTextAsync("Revoked");
        await Expect(page.Locator(".details")).ToContainTextAsync("Awarded to the wrong student");
        await Expect(Button(page, "Revoke")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task IssuanceHistory_ListsEachBatch_AndOpensItsResult()
    {
        var world = await NewWorldAsync();
        var admin = await App.ClientAsync(world.OrgInstructor);
        (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id, world.NoManual.Id }, studentIds = new[] { world.StudentA2.Id } })).EnsureSuccessStatusCode();
        var page = await LogInAsync(world.OrgInstructor, path: $"/classes/{world.Class.Id}/issuance-history");

        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync($"{world.OrgInstructor.FirstName} {world.OrgInstructor.LastName}");
        await AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were successfully issued:" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badge issuances failed:" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(Warning);
    }

    [Fact]
    public async Task CourseAssignment_AdministratorIssuesOneBadge()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: $"/course-assignments/{world.Assignment.Id}/issue-badge");

        await Expect(page.GetByRole(AriaRole.Radio)).ToHaveCountAsync(2);
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Radio, new() { Name = world.Manual.Name }).CheckAsync();
        await Button(page, "Issue Badge").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were successfully issued:" })).ToBeVisibleAsync();
        await Expect(page.Locator("table[data-result=issued]")).ToContainTextAsync(world.StudentA1.Email);
        var instructor = await LogInAsync(world.OrgInstructor, path: $"/course-assignments/{world.Assignment.Id}/issue-badge");
        await Expect(instructor.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Access denied");
    }

    private async Task<IPage> LogInWithoutScriptAsync(World world)
    {
        var page = await NewPageAsync(javaScript: false);
        await page.GotoAsync("/login");
        await SubmitLogInAsync(page, world.AdminRoot.Email, World.Password);
        await page.GotoAsync($"/classes/{world.Class.Id}/issue-badges");
        return page;
    }
}
