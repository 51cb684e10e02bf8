using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Domain.Providers;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

/// <summary>The public credential page (no sign-in) and the learner's My badges page.</summary>
public sealed class CredentialPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task CredentialPage_IsPublic_ShowsTheBadgeAndLinks_ThenItsRevocation()
    {
        var world = await NewWorldAsync();
        await App.Factory.GiveImageAsync(world.Manual);
        var award = await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        var page = await NewPageAsync();

        await page.GotoAsync($"/credentials/{award.Id}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = world.Manual.Name, Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Valid");
        await Expect(page.Locator(".details")).ToContainTextAsync($"{world.StudentA1.FirstName} {world.StudentA1.LastName}");
        await Expect(page.Locator(".details")).ToContainTextAsync(world.Root.Name);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Add to LinkedIn profile" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^https://www.linkedin.com/profile/add\\?startTask=CERTIFICATION_NAME"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Signed credential (Open Badges 3.0, VC-JWT)" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"/credentials/{award.Id}\\.jwt$"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Badge image with the credential baked in (PNG)" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy link" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "valid");

        var admin = await App.ClientAsync(world.AdminRoot);
        (await admin.PostJsonAsync($"/api/v1/awards/{award.Id}/revocation", new { reason = "Issued in error" })).EnsureSuccessStatusCode();
        await page.ReloadAsync();

        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Revoked");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Reason: Issued in error");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Add to LinkedIn profile" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task CredentialPage_UnknownOrMalformedId_ShowsTheNotFoundPage()
    {
        var page = await NewPageAsync();

        var unknown = await page.GotoAsync($"/credentials/{Guid.NewGuid()}");
        Assert.Equal(404, unknown!.Status);
        var malformed = await page.GotoAsync("/credentials/not-an-id");
        Assert.Equal(404, malformed!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Page not found");
    }

    [Fact]
    public async Task MyBadges_StudentSeesOwnBadges_WithWhetherTheProviderHasThem()
    {
        var world = await NewWorldAsync();
        var delivered = await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        await App.Factory.AwardAsync(world.Manual2, world.StudentA1, world.Class, revokedBy: world.AdminRoot);
        await App.Factory.AwardAsync(world.Manual, world.StudentA2, world.Class);
        await App.Factory.WithDbAsync(async db =>
        {
            var provider = BadgeProvider.Create("Credly", world.Root, ProviderType.Credly, "org", "https://api.credly.test/v1", "protected", [], new ProviderAddressRules(["api.credly.test"], allowPlainHttp: false), DateTime.UtcNow).Value;
            db.BadgeProviders.Add(provider);
            var delivery = ProviderDelivery.Create(delivered.Id, provider.Id, DateTime.UtcNow);
            delivery.Delivered("credly-badge-1", DateTime.UtcNow);
            db.ProviderDeliveries.Add(delivery);
            await db.SaveChangesAsync();
        });

        var page = await LogInAsync(world.StudentA1, path: "/my/badges");

        var items = page.Locator(".my-badge");
        await Expect(items).ToHaveCountAsync(2);
        var valid = items.Filter(new() { HasText = world.Manual.Name + " " }).Filter(new() { HasNotText = "Revoked" });
        await Expect(valid).ToContainTextAsync("Credly has this badge");
        var revoked = items.Filter(new() { HasText = world.Manual2.Name });
        await Expect(revoked).ToContainTextAsync("Revoked: Issued by mistake");
        await Expect(revoked.GetByRole(AriaRole.Link, new() { Name = $"Add to LinkedIn profile: {world.Manual2.Name}" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Main)).Not.ToContainTextAsync(world.StudentA2.Email);
        await Expect(valid.GetByRole(AriaRole.Link, new() { Name = $"Credential page for {world.Manual.Name}" }))
            .ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"/credentials/{delivered.Id}$"));
        await AssertAccessibleAsync(page);
    }
}
