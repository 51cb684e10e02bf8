using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

public sealed class HomePageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task Home_OrganizationInstructor_SeesOnlyTheClassesTheyTeach_EachLinkingToItsRoster()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.OrgInstructor);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Classes you teach", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync(world.Class.Name);
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.OtherClass.Name);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "instructor");
        await page.GetByRole(AriaRole.Link, new() { Name = $"Roster of {world.Class.Name}" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/classes/{world.Class.Id}/roster$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Roster", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Home_Administrators_SeeTheClassesInTheirScope()
    {
        var world = await NewWorldAsync();

        var root = await LogInAsync(world.AdminRoot);
        var adminB = await LogInAsync(world.AdminB);

        await Expect(root.GetByRole(AriaRole.Heading, new() { Name = "Classes in your organizations", Level = 1 })).ToBeVisibleAsync();
        await Expect(root.GetByRole(AriaRole.Link, new() { Name = $"Roster of {world.Class.Name}" })).ToBeVisibleAsync();
        await Expect(root.GetByRole(AriaRole.Link, new() { Name = $"Roster of {world.OtherClass.Name}" })).ToBeVisibleAsync();
        await Expect(adminB.GetByRole(AriaRole.Main)).ToContainTextAsync("There are no classes to show.");
        await Expect(adminB.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Roster of") })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(root);
    }

    [Fact]
    public async Task Home_Student_SeesTheBadgesTheyHoldAndTheirClasses_WithoutRosterLinks()
    {
        var world = await NewWorldAsync();
        await App.Factory.GiveImageAsync(world.Manual);
        await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        await App.Factory.AwardAsync(world.NoManual, world.StudentA1);
        await App.Factory.AwardAsync(world.Manual2, world.StudentA1, world.Class, revokedBy: world.AdminRoot);
        await App.Factory.AwardAsync(world.Manual2, world.StudentA2, world.Class);

        var page = await LogInAsync(world.StudentA1);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My badges", Level = 1 })).ToBeVisibleAsync();
        var badges = page.GetByRole(AriaRole.List, new() { Name = "Badges you hold" }).GetByRole(AriaRole.Listitem);
        await Expect(badges).ToHaveCountAsync(2);
        await Expect(badges.Filter(new() { HasText = world.Manual.Name }).Locator("img")).ToHaveAttributeAsync("src", new Regex($"^/badges/{world.Manual.Id}/image\\?v=1$"));
        await Expect(badges.Filter(new() { HasText = world.NoManual.Name })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.Manual2.Name);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My classes", Level = 2 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync(world.Class.Name);
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync(world.OtherClass.Name);
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Roster of") })).ToHaveCountAsync(0);
        var imageLoaded = await badges.Filter(new() { HasText = world.Manual.Name }).Locator("img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0");
        Assert.True(imageLoaded);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "student");
    }

    [Fact]
    public async Task Home_StudentWithoutBadges_IsToldSo()
    {
        var world = await NewWorldAsync();

        var page = await LogInAsync(world.StudentOutside);

        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("You have not earned any badges yet.");
        await Expect(page.GetByRole(AriaRole.Main)).ToContainTextAsync("You are not enrolled in any class.");
    }

    [Fact]
    public async Task Home_PhoneWidth_FitsWithoutSidewaysScrolling()
    {
        var world = await NewWorldAsync();

        var page = await LogInAsync(world.ContractInstructor, PhoneWidth);

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Roster of {world.Class.Name}" })).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "phone");
    }

    [Fact]
    public async Task Home_HostileClassAndBadgeNames_AreShownAsText()
    {
        var world = await NewWorldAsync();
        const string className = "<b onmouseover=alert(1)>Bold class</b>";
        const string badgeName = "<img src=z onerror=alert(2)>";
        await App.Factory.NewClassAsync(className, world.Root, world.ContractInstructor);
        var badge = await App.Factory.NewBadgeAsync(badgeName, world.Root, withImage: false);
        await App.Factory.AwardAsync(badge, world.StudentA2);

        var instructor = await LogInAsync(world.ContractInstructor);
        var student = await LogInAsync(world.StudentA2);

        await Expect(instructor.GetByText(className, new() { Exact = true })).ToBeVisibleAsync();
        await Expect(instructor.GetByRole(AriaRole.Link, new() { Name = $"Roster of {className}" })).ToBeVisibleAsync();
        await Expect(instructor.Locator("main b")).ToHaveCountAsync(0);
        await Expect(student.GetByText(badgeName, new() { Exact = true })).ToBeVisibleAsync();
        await Expect(student.Locator("img[src='z']")).ToHaveCountAsync(0);
    }
}
