using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

public sealed class LoginPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task LogIn_ValidCredentials_LandsOnHomeSignedIn()
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2F$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in", Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "login");
        await SubmitLogInAsync(page, world.OrgInstructor.Email, World.Password);

        await Expect(page).ToHaveURLAsync(App.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Classes you teach" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync(world.OrgInstructor.Email);
    }

    [Fact]
    public async Task LogIn_WrongPassword_ShowsInlineMessageAndKeepsTheEmail()
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();
        await page.GotoAsync("/login");

        await SubmitLogInAsync(page, world.StudentA2.Email, "not-the-password");

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The email or password is incorrect.");
        await Expect(page.GetByLabel("Email", new() { Exact = true })).ToHaveValueAsync(world.StudentA2.Email);
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "wrong-password");
    }

    [Fact]
    public async Task LogIn_EmptyFields_ShowsAMessageForEachField()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/login");

        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();

        await Expect(page.Locator("#email-error")).ToHaveTextAsync("Enter your email address.");
        await Expect(page.Locator("#password-error")).ToHaveTextAsync("Enter your password.");
        await Expect(page.GetByLabel("Email", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task LogIn_FiveFailures_ThenEvenTheRightPasswordWaits()
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();
        await page.GotoAsync("/login");
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitLogInAsync(page, world.StudentB1.Email, $"wrong-{attempt}");
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The email or password is incorrect.");
        }

        // Failures per account and address are limited (unknown emails alike); the form says how long to wait.
        await SubmitLogInAsync(page, world.StudentB1.Email, World.Password);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many attempts. Wait");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await ScreenshotAsync(page, "locked-out");
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task LogIn_OffSiteReturnUrl_IsIgnored(string returnUrl)
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();
        await page.GotoAsync("/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));

        await SubmitLogInAsync(page, world.AdminRoot.Email, World.Password);

        await Expect(page).ToHaveURLAsync(App.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Classes in your organizations" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LogIn_FromAProtectedPage_ReturnsToIt()
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();
        var roster = $"/classes/{world.Class.Id}/roster";

        await page.GotoAsync(roster);
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl="));
        await SubmitLogInAsync(page, world.ContractInstructor.Email, World.Password);

        await Expect(page).ToHaveURLAsync(new Uri(App.BaseAddress, roster).ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Roster", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LogIn_KeyboardOnly_SkipLinkThenFieldsThenEnter()
    {
        var world = await NewWorldAsync();
        var page = await NewPageAsync();
        await page.GotoAsync("/login");

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        var email = page.GetByLabel("Email", new() { Exact = true });
        await Expect(email).ToBeFocusedAsync();
        Assert.NotEqual("none", await email.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
        await page.Keyboard.TypeAsync(world.StudentA1.Email);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(World.Password);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My badges", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LogOut_Button_EndsTheSession()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot);

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/login$"));
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2F$"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task LogOut_GetRequest_DoesNotLogOut()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot);

        await page.GotoAsync("/logout");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log out", Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await page.GotoAsync("/");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Classes in your organizations" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SignInWithSingleSignOn_EmailOfAConnectedDomain_GoesToItsProviderAndComesBackSignedIn()
    {
        var world = await NewWorldAsync();
        await using var provider = await OidcProvider.StartAsync();
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (_, client) = await provider.ConnectAsync(await App.ClientAsync(world.AdminA), world.A.Id, [domain], createUsers: true);
        var email = $"grace@{domain}";
        provider.SignsIn(client, new(Guid.NewGuid().ToString("N"), email, GivenName: "Grace", FamilyName: "Hopper"));
        var page = await NewPageAsync();
        await page.GotoAsync("/login");

        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with single sign-on", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(App.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync(email);
        Assert.Equal(email, provider.LastLoginHint);
        Assert.Equal(world.A.Id, (await App.Factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == email))).OrganizationId);
        Assert.Equal(1, provider.TokensIssued.GetValueOrDefault(client));
    }
}
