using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Domain.Providers;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

/// <summary>Administrators manage badge providers (the token stays write-only) and watch deliveries.</summary>
public sealed class ProviderPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    private const string Token = "a-very-secret-credly-token";

    [Fact]
    public async Task Providers_CreateWithAWriteOnlyToken_ThenLinkABadgeTemplate()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: "/providers");

        await page.GetByLabel("Organization", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = world.Root.Name });
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Credly (Northwind)");
        await page.GetByLabel("Organization id at the provider").FillAsync("northwind-credly");
        await page.GetByLabel("API token").FillAsync(Token);
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add provider" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Credly (Northwind)", Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotContain(Token, await page.ContentAsync(), StringComparison.Ordinal);
        await Expect(page.GetByLabel("API token")).ToHaveValueAsync("");
        await page.GetByLabel($"Template id for {world.Manual.Name}").FillAsync("template-42");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Save the template of {world.Manual.Name}" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("template-42");
        var badge = await App.Factory.WithDbAsync(db => db.Badges.AsNoTracking().SingleAsync(b => b.Id == world.Manual.Id));
        Assert.Equal("template-42", badge.ProviderTemplateId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The provider was saved.");
        var stored = await App.Factory.WithDbAsync(db => db.BadgeProviders.AsNoTracking().SingleAsync(p => p.Id == badge.ProviderId));
        Assert.True(stored.ProtectedApiToken.Length > 0);
        Assert.DoesNotContain(Token, stored.ProtectedApiToken, StringComparison.Ordinal);
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Deliveries_FilterFailed_ReadTheAnswer_AndRetry()
    {
        var world = await NewWorldAsync();
        var award = await App.Factory.AwardAsync(world.Manual, world.StudentA1, world.Class);
        await App.Factory.WithDbAsync(async db =>
        {
            // The dispatcher never reaches this provider (nothing listens there), so the statuses stay as the test sets them.
            var provider = BadgeProvider.Create("Credly", world.Root, ProviderType.Credly, "org", "http://127.0.0.1:9/v1", "protected", [], new ProviderAddressRules(["127.0.0.1"], allowPlainHttp: true), DateTime.UtcNow).Value;
            db.BadgeProviders.Add(provider);
            var delivery = ProviderDelivery.Create(award.Id, provider.Id, DateTime.UtcNow);
            delivery.StartAttempt(DateTime.UtcNow, mayCreate: true);
            delivery.Fail("HTTP 401: {\"data\":{\"message\":\"Invalid token\"}}", sent: false, DateTime.UtcNow);
            db.ProviderDeliveries.Add(delivery);
            await db.SaveChangesAsync();
        });
        var page = await LogInAsync(world.AdminRoot, path: "/deliveries");

        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = world.StudentA1.FirstName });
        await Expect(row).ToContainTextAsync("Invalid token");
        await AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(world.Manual.Name);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        await page.GoBackAsync();
        await row.GetByRole(AriaRole.Button).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("will be tried again now");
        var retried = await App.Factory.WithDbAsync(db => db.ProviderDeliveries.AsNoTracking().SingleAsync(d => d.AwardId == award.Id));
        Assert.NotEqual(DeliveryStatus.Failed, retried.Status);
    }
}
