using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Domain.Users;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

public sealed class RosterPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    private static string RosterOf(Domain.Classes.TrainingClass c) => $"/classes/{c.Id}/roster";

    private static ILocator Rows(IPage page) => page.GetByRole(AriaRole.Table).Locator("tbody tr");

    private static ILocator RowOf(IPage page, User student) => Rows(page).Filter(new() { HasText = student.Email });

    [Fact]
    public async Task Roster_ContractInstructor_SeesEveryStudent_OrganizationInstructorOnlyTheirOrganizations()
    {
        var world = await NewWorldAsync();

        var contract = await LogInAsync(world.ContractInstructor, path: RosterOf(world.Class));
        var organization = await LogInAsync(world.OrgInstructor, path: RosterOf(world.Class));

        await Expect(contract.GetByRole(AriaRole.Heading, new() { Name = "Roster", Level = 1 })).ToBeVisibleAsync();
        await Expect(Rows(contract)).ToHaveCountAsync(4);
        foreach (var student in world.ClassStudents)
        {
            await Expect(RowOf(contract, student)).ToHaveCountAsync(1);
        }
        await Expect(Rows(organization)).ToHaveCountAsync(3);
        await Expect(RowOf(organization, world.StudentA1)).ToContainTextAsync(world.A.Name);
        await Expect(RowOf(organization, world.StudentA1x)).ToContainTextAsync(world.A1.Name);
        await Expect(RowOf(organization, world.StudentB1)).ToHaveCountAsync(0);
        await Expect(organization.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.StudentB1.Email);
        await Expect(organization.GetByText("Showing 1–3 of 3 students.")).ToBeVisibleAsync();
        await AssertAccessibleAsync(contract);
        await ScreenshotAsync(contract, "contract-instructor");
        await ScreenshotAsync(organization, "organization-instructor");
    }

    [Fact]
    public async Task Roster_QuickLaunchBar_LinksToIssueBadges()
    {
        var world = await NewWorldAsync();

        var page = await LogInAsync(world.AdminRoot, path: RosterOf(world.Class));

        var quickLaunch = page.GetByRole(AriaRole.Navigation, new() { Name = "Quick launch" });
        await Expect(quickLaunch.GetByRole(AriaRole.Link, new() { Name = "Issue Badges", Exact = true }))
            .ToHaveAttributeAsync("href", $"/classes/{world.Class.Id}/issue-badges");
        await Expect(page.GetByText(world.Class.Name, new() { Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Roster_ShowsTheBadgesEachStudentHolds_AsSmallImages()
    {
        var world = await NewWorldAsync();
        await App.Factory.GiveImageAsync(world.Manual);
        await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        await App.Factory.AwardAsync(world.Manual2, world.StudentA1, world.Class);
        await App.Factory.AwardAsync(world.Manual, world.StudentA2, world.Class, revokedBy: world.AdminRoot);

        var page = await LogInAsync(world.ContractInstructor, path: RosterOf(world.Class));

        var a1 = RowOf(page, world.StudentA1);
        await Expect(a1.GetByRole(AriaRole.Img, new() { Name = world.Manual.Name })).ToHaveAttributeAsync("src", $"/badges/{world.Manual.Id}/image?v=1");
        await Expect(a1.GetByText(world.Manual2.Name)).ToBeVisibleAsync();
        await Expect(RowOf(page, world.StudentA2).GetByRole(AriaRole.Img)).ToHaveCountAsync(0);
        await Expect(RowOf(page, world.StudentA2)).ToContainTextAsync("None");
        var size = await a1.GetByRole(AriaRole.Img).BoundingBoxAsync();
        Assert.True(size is { Width: <= 32, Height: <= 32 }, $"Badge images should be small, got {size?.Width}x{size?.Height}");
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "badges");
    }

    [Fact]
    public async Task Roster_Paging_FiftyAPageWithNextAndPrevious()
    {
        var world = await NewWorldAsync();
        await App.Factory.EnrollStudentsAsync(world.Class, world.A, 60, "Pupil");

        var page = await LogInAsync(world.ContractInstructor, path: RosterOf(world.Class));

        await Expect(Rows(page)).ToHaveCountAsync(50);
        await Expect(page.GetByText("Showing 1–50 of 64 students.")).ToBeVisibleAsync();
        var pager = page.GetByRole(AriaRole.Navigation, new() { Name = "Pagination" });
        await Expect(pager).ToContainTextAsync("Page 1 of 2");
        await pager.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("\\?page=2$"));
        await Expect(Rows(page)).ToHaveCountAsync(14);
        await Expect(page.GetByText("Showing 51–64 of 64 students.")).ToBeVisibleAsync();
        await Expect(pager.GetByRole(AriaRole.Link, new() { Name = "Next" })).ToHaveCountAsync(0);
        await pager.GetByRole(AriaRole.Link, new() { Name = "Previous" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(50);
        await page.GetByLabel("Students per page").SelectOptionAsync("25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(25);
        await Expect(pager).ToContainTextAsync("Page 1 of 3");
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Roster_Search_FiltersOnTheServer_AndKeepsTheTermWhilePaging()
    {
        var world = await NewWorldAsync();
        await App.Factory.EnrollStudentsAsync(world.Class, world.A, 30, "Searchme");
        await App.Factory.EnrollStudentsAsync(world.Class, world.A, 30, "Other");

        var page = await LogInAsync(world.AdminRoot, path: RosterOf(world.Class) + "?pageSize=25");
        await page.GetByLabel("Search students").FillAsync("SEARCHME");
        await page.GetByLabel("Search students").PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("search=SEARCHME"));
        await Expect(page.GetByText("Showing 1–25 of 30 students matching your search.")).ToBeVisibleAsync();
        await Expect(Rows(page).Filter(new() { HasNotText = "Searchme" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Pagination" }).GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(5);
        await Expect(page.GetByLabel("Search students")).ToHaveValueAsync("SEARCHME");
        await page.GetByLabel("Search students").FillAsync("no such student");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.GetByText("No students match your search.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Clear search" }).ClickAsync();
        await Expect(page.GetByText("Showing 1–50 of 64 students.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Roster_KeyboardOnly_SearchAndNextPage()
    {
        var world = await NewWorldAsync();
        await App.Factory.EnrollStudentsAsync(world.Class, world.A, 30, "Keyboard");
        var page = await LogInAsync(world.ContractInstructor, path: RosterOf(world.Class));

        await page.GetByRole(AriaRole.Link, new() { Name = "Issue Badges" }).FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Search students")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("keyboard");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Students per page")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowUp");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("search=keyboard&pageSize=25$"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Clear search" })).ToBeFocusedAsync();
        // Past each row's "Issue a Badge to ..." button, on to the pager.
        var next = page.GetByRole(AriaRole.Navigation, new() { Name = "Pagination" }).GetByRole(AriaRole.Link, new() { Name = "Next" });
        for (var i = 0; i < 40 && !await next.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }
        await Expect(next).ToBeFocusedAsync();
        Assert.NotEqual("none", await next.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("page=2"));
        await Expect(Rows(page)).ToHaveCountAsync(5);
    }

    [Fact]
    public async Task Roster_Student_Gets403Page()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.StudentA1);

        var response = await page.GotoAsync(RosterOf(world.Class));

        Assert.Equal(403, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Access denied", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("Only the class's instructors and administrators see its roster.");
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.StudentA2.Email);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "403");
    }

    [Fact]
    public async Task Roster_InstructorOfAnotherClassOrAdministratorOutOfScope_Gets404Page()
    {
        var world = await NewWorldAsync();
        var instructor = await LogInAsync(world.OtherInstructor);
        var adminB = await LogInAsync(world.AdminB);

        var fromInstructor = await instructor.GotoAsync(RosterOf(world.Class));
        var fromAdmin = await adminB.GotoAsync(RosterOf(world.Class));
        var unknown = await instructor.GotoAsync($"/classes/{Guid.NewGuid()}/roster");

        Assert.Equal(404, fromAdmin!.Status);
        Assert.Equal(404, unknown!.Status);
        Assert.Equal(404, fromInstructor!.Status);
        await Expect(instructor.GetByRole(AriaRole.Heading, new() { Name = "Page not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(adminB.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.Class.Name);
        await AssertAccessibleAsync(instructor);
    }

    [Fact]
    public async Task Roster_HostileStudentName_IsShownAsText()
    {
        var world = await NewWorldAsync();
        const string hostile = "<img src=x onerror=alert(1)>";
        var student = await App.Factory.EnrollStudentAsync(world.Class, world.A, hostile, "<script>alert(2)</script>");
        var badge = await App.Factory.NewBadgeAsync("\"><img src=y onerror=alert(3)>", world.Root, withImage: true);
        var plainBadge = await App.Factory.NewBadgeAsync("<b>Bold</b> & <i>proud</i>", world.Root, withImage: false);
        await App.Factory.AwardAsync(badge, student, world.Class);
        await App.Factory.AwardAsync(plainBadge, student, world.Class);

        var page = await LogInAsync(world.ContractInstructor, path: RosterOf(world.Class));

        var row = RowOf(page, student);
        await Expect(row.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync($"{hostile} <script>alert(2)</script>");
        await Expect(row.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("alt", badge.Name);
        await Expect(row.GetByText("<b>Bold</b> & <i>proud</i>", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("img[src='x'], img[src='y'], main b, main i")).ToHaveCountAsync(0);
        await Expect(page.Locator("main script")).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "hostile-name");
    }

    [Fact]
    public async Task Roster_PhoneWidth_OneCardPerStudentWithoutSidewaysScrolling()
    {
        var world = await NewWorldAsync();
        await App.Factory.EnrollStudentAsync(world.Class, world.A, "Maximiliana-Konstantina", "Wolfeschlegelsteinhausenbergerdorff-Longname");

        var page = await LogInAsync(world.ContractInstructor, PhoneWidth, RosterOf(world.Class));

        await Expect(Rows(page)).ToHaveCountAsync(5);
        await AssertNoSidewaysScrollAsync(page);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Issue Badges" })).ToBeInViewportAsync();
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "phone");
    }

    [Fact]
    public async Task Roster_InvalidPaging_Gets400Page()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.ContractInstructor);

        var zero = await page.GotoAsync(RosterOf(world.Class) + "?page=0");
        var text = await page.GotoAsync(RosterOf(world.Class) + "?pageSize=many");

        Assert.Equal(400, zero!.Status);
        Assert.Equal(400, text!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Something is wrong with that request");
    }
}
