using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Domain.Issuance;
using Rosette.Domain.Webhooks;
using Rosette.Features.Webhooks;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

/// <summary>Administrators manage webhook endpoints (the secret shown once, dead letters replayed) and renew expiring awards in bulk.</summary>
public sealed class LifecyclePageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    // Nothing listens there: whatever the dispatcher sends fails and waits for its next try.
    private const string DeadUrl = "http://127.0.0.1:9/rosette-events";

    [Fact]
    public async Task Webhooks_CreateEndpoint_ShowsTheSecretOnce_ThenDisableAndDelete()
    {
        var world = await NewWorldAsync();
        var page = await LogInAsync(world.AdminRoot, path: "/webhooks");

        await page.GetByLabel("Organization", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = world.A.Name });
        await page.GetByLabel("URL").FillAsync(DeadUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await Expect(page.GetByText("'events' must name at least one of")).ToBeVisibleAsync();
        Assert.Equal(0, await App.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync(e => e.OrganizationId == world.A.Id)));

        await page.GetByLabel(WebhookEventTypes.AwardIssued).CheckAsync();
        await page.GetByLabel(WebhookEventTypes.AwardRenewed).CheckAsync();
        await page.GetByLabel("Description").FillAsync("The LMS");
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("shown only this once");
        var secret = await page.Locator("#webhook-secret").InnerTextAsync();
        Assert.StartsWith(WebhookEndpoint.SecretPrefix, secret, StringComparison.Ordinal);
        var stored = await App.Factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.OrganizationId == world.A.Id));
        Assert.Equal([WebhookEventTypes.AwardIssued, WebhookEventTypes.AwardRenewed], stored.Events);
        Assert.DoesNotContain(secret["whsec_".Length..], stored.ProtectedSecret, StringComparison.Ordinal);
        await AssertAccessibleAsync(page);

        await page.GotoAsync("/webhooks");
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = "The LMS" });
        await Expect(row).ToContainTextAsync("Enabled");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        await row.GetByRole(AriaRole.Link, new() { Name = DeadUrl }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = DeadUrl, Level = 1 })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The endpoint is disabled");
        Assert.False((await App.Factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == stored.Id))).IsEnabled);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The endpoint is enabled");
        Assert.True((await App.Factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == stored.Id))).IsEnabled);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete endpoint" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"The endpoint {DeadUrl} was deleted.");
        Assert.False(await App.Factory.WithDbAsync(db => db.WebhookEndpoints.AnyAsync(e => e.Id == stored.Id)));
    }

    [Fact]
    public async Task Webhooks_DeadLetter_IsReplayedFromTheEndpointPage()
    {
        var world = await NewWorldAsync();
        var (endpointId, deliveryId) = await App.Factory.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var secrets = App.Factory.Services.GetRequiredService<WebhookSecrets>();
            var endpoint = WebhookEndpoint.Create(world.A.Id, DeadUrl, [WebhookEventTypes.AwardIssued], null, secrets.Protect(WebhookSecrets.NewSecret()),
                world.AdminRoot.Id, allowPlainHttp: true, now).Value;
            var webhookEvent = WebhookEvent.Create(Guid.NewGuid(), WebhookEventTypes.AwardIssued, world.A.Id, Guid.NewGuid(), now, "{}");
            var delivery = WebhookDelivery.Create(endpoint.Id, webhookEvent, now);
            // First tried four days ago: past the retry window, so dead-lettered.
            delivery.Failed(500, "Internal Server Error", now.AddDays(-4), now);
            db.AddRange(endpoint, webhookEvent, delivery);
            await db.SaveChangesAsync();
            return (endpoint.Id, delivery.Id);
        });
        Assert.Equal(WebhookDeliveryStatus.Failed, await DeliveryStatusAsync(deliveryId));
        var page = await LogInAsync(world.AdminRoot, path: $"/webhooks/{endpointId}");

        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = WebhookEventTypes.AwardIssued });
        await Expect(row).ToContainTextAsync("HTTP 500");
        await AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("will be sent again now");
        Assert.NotEqual(WebhookDeliveryStatus.Failed, await DeliveryStatusAsync(deliveryId));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Replay", Exact = true })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Webhooks_EditEndpoint_ShowsTheApisErrorsInline_ThenSaves()
    {
        var world = await NewWorldAsync();
        var endpointId = await App.Factory.WithDbAsync(async db =>
        {
            var secrets = App.Factory.Services.GetRequiredService<WebhookSecrets>();
            // award.expired: nothing in these tests raises it, so the dispatcher leaves the endpoint alone.
            var endpoint = WebhookEndpoint.Create(world.A.Id, DeadUrl, [WebhookEventTypes.AwardExpired], "The LMS", secrets.Protect(WebhookSecrets.NewSecret()),
                world.AdminRoot.Id, allowPlainHttp: true, DateTime.UtcNow).Value;
            db.Add(endpoint);
            await db.SaveChangesAsync();
            return endpoint.Id;
        });
        var page = await LogInAsync(world.AdminRoot, path: $"/webhooks/{endpointId}");
        await Expect(page.GetByLabel("URL")).ToHaveValueAsync(DeadUrl);
        await Expect(page.GetByLabel(WebhookEventTypes.AwardExpired)).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Description", new() { Exact = true })).ToHaveValueAsync("The LMS");

        // The handler's rules, as the API's PATCH answers them: both errors at once, inline, and nothing stored.
        await page.GetByLabel("URL").FillAsync("ftp://hooks.example.com/rosette");
        await page.GetByLabel(WebhookEventTypes.AwardExpired).UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(page.Locator("#webhook-url-error")).ToContainTextAsync("'url' must be an absolute https URL");
        await Expect(page.GetByText("'events' must name at least one of")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("URL")).ToHaveValueAsync("ftp://hooks.example.com/rosette");
        await AssertAccessibleAsync(page);
        var unchanged = await EndpointAsync(endpointId);
        Assert.Equal(DeadUrl, unchanged.Url);
        Assert.Equal([WebhookEventTypes.AwardExpired], unchanged.Events);
        Assert.Equal("The LMS", unchanged.Description);

        const string newUrl = "http://127.0.0.1:9/hr-events";
        await page.GetByLabel("URL").FillAsync(newUrl);
        await page.GetByLabel(WebhookEventTypes.AwardRevoked).CheckAsync();
        await page.GetByLabel(WebhookEventTypes.BatchCompleted).CheckAsync();
        await page.GetByLabel("Description", new() { Exact = true }).FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save endpoint" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The endpoint was saved.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = newUrl, Level = 1 })).ToBeVisibleAsync();
        var saved = await EndpointAsync(endpointId);
        Assert.Equal(newUrl, saved.Url);
        Assert.Equal([WebhookEventTypes.AwardRevoked, WebhookEventTypes.BatchCompleted], saved.Events);
        Assert.Null(saved.Description);
        Assert.Equal(unchanged.ProtectedSecret, saved.ProtectedSecret);
    }

    [Fact]
    public async Task Webhooks_AttemptLog_ShowsTheLatestAttemptsAndEachDeliverysOwn()
    {
        var world = await NewWorldAsync();
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var (endpointId, retried, gone) = await App.Factory.WithDbAsync(async db =>
        {
            var secrets = App.Factory.Services.GetRequiredService<WebhookSecrets>();
            var endpoint = WebhookEndpoint.Create(world.A.Id, DeadUrl, [WebhookEventTypes.AwardIssued], null, secrets.Protect(WebhookSecrets.NewSecret()),
                world.AdminRoot.Id, allowPlainHttp: true, now).Value;
            var events = Enumerable.Range(0, 2).Select(_ => WebhookEvent.Create(Guid.NewGuid(), WebhookEventTypes.AwardIssued, world.A.Id, Guid.NewGuid(), now, "{}")).ToList();
            var deliveries = events.Select(e => WebhookDelivery.Create(endpoint.Id, e, now)).ToList();
            // Dead-lettered, so that the dispatcher adds no attempts of its own.
            deliveries.ForEach(d => d.Failed(500, "Internal Server Error", now.AddDays(-4), now));
            db.Add(endpoint);
            db.AddRange(events);
            db.AddRange(deliveries);
            await db.SaveChangesAsync();
            // Eleven attempts of the first delivery (the last one timed out), then one of the second, answered 410.
            db.AddRange(Enumerable.Range(0, 11).Select(i => WebhookAttempt.Create(deliveries[0], now.AddDays(-4).AddHours(i), i == 10 ? null : 500,
                i == 10 ? "No answer within 10 s." : "HTTP 500: Internal Server Error", TimeSpan.FromMilliseconds(40))));
            db.Add(WebhookAttempt.Create(deliveries[1], now.AddMinutes(-1), 410, "HTTP 410: Gone", TimeSpan.FromMilliseconds(12)));
            await db.SaveChangesAsync();
            return (endpoint.Id, deliveries[0], deliveries[1]);
        });
        var page = await LogInAsync(world.AdminRoot, path: $"/webhooks/{endpointId}");

        // Bounded on the endpoint's page: the latest ten, newest first, and a link to all of them.
        var latest = page.Locator("table.webhook-attempts tbody tr");
        await Expect(latest).ToHaveCountAsync(WebhookPageModel.LatestAttempts);
        await Expect(latest.Nth(0)).ToContainTextAsync("HTTP 410");
        await Expect(latest.Nth(0)).ToContainTextAsync(now.AddMinutes(-1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(latest.Nth(1)).ToContainTextAsync("No answer within 10 s.");
        await Expect(latest.Nth(2)).ToContainTextAsync("HTTP 500: Internal Server Error");
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "All 12 attempts" }).ClickAsync();
        await Expect(page.GetByText("12 attempts, newest first.")).ToBeVisibleAsync();
        await Expect(page.Locator("table.webhook-attempts tbody tr")).ToHaveCountAsync(12);
        await AssertAccessibleAsync(page);

        // One delivery's own attempts, from its row in the deliveries table.
        await page.GotoAsync($"/webhooks/{endpointId}");
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr").Filter(new() { HasText = gone.EventId.ToString() });
        await row.GetByRole(AriaRole.Link, new() { Name = "Attempts" }).ClickAsync();
        await Expect(page.GetByText($"1 attempt of delivery {gone.Id}, newest first.")).ToBeVisibleAsync();
        var own = page.Locator("table.webhook-attempts tbody tr");
        await Expect(own).ToHaveCountAsync(1);
        await Expect(own).ToContainTextAsync("HTTP 410: Gone");
        await Expect(own).Not.ToContainTextAsync(retried.EventId.ToString());
    }

    [Fact]
    public async Task ExpiringAwards_FilterDownloadAndRenewInBulk()
    {
        var world = await NewWorldAsync();
        var admin = await App.ClientAsync(world.AdminRoot);
        (await admin.PatchJsonAsync($"/api/v1/badges/{world.Manual.Id}", new { validityDays = 365, renewalWindowDays = 30 })).EnsureSuccessStatusCode();
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var (expired, expiring, later) = await App.Factory.WithDbAsync(async db =>
        {
            Award Make(Domain.Users.User student, DateTime expiresAt) =>
                Award.Create(new AwardFacts(world.Manual.Id, student.Id, expiresAt.AddDays(-365), AwardSource.Roster) { ClassId = world.Class.Id, ExpiresAt = expiresAt });
            var awards = (Make(world.StudentA1, now.AddDays(-2)), Make(world.StudentA2, now.AddDays(5)), Make(world.StudentOutside, now.AddDays(200)));
            db.Awards.AddRange(awards.Item1, awards.Item2, awards.Item3);
            await db.SaveChangesAsync();
            return awards;
        });
        var page = await LogInAsync(world.AdminRoot, path: "/admin/expiring-awards");

        var rows = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync(world.StudentA1.Email);
        await Expect(rows.Nth(0)).ToContainTextAsync("Expired");
        await Expect(rows.Nth(1)).ToContainTextAsync("Expiring soon");
        await AssertAccessibleAsync(page);

        await page.GetByLabel("State").SelectOptionAsync("expired");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows).ToContainTextAsync(world.StudentA1.Email);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.StartsWith("award_id,", csv, StringComparison.Ordinal);
        Assert.Contains(world.StudentA1.Email, csv, StringComparison.Ordinal);
        Assert.DoesNotContain(world.StudentA2.Email, csv, StringComparison.Ordinal);

        await page.GetByLabel("State").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByLabel($"Renew {world.Manual.Name} of", new() { Exact = false }).First.CheckAsync();
        await page.GetByLabel($"Renew {world.Manual.Name} of", new() { Exact = false }).Last.CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Renew selected" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The following badges were renewed:" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-result=renewed] tbody tr")).ToHaveCountAsync(2);
        var stored = await App.Factory.WithDbAsync(db => db.Awards.AsNoTracking().Where(a => a.Id == expired.Id || a.Id == expiring.Id || a.Id == later.Id)
            .ToDictionaryAsync(a => a.Id, a => a.ExpiresAt));
        Assert.True(stored[expired.Id] > now.AddDays(360), $"renewed after expiry: {stored[expired.Id]}");
        Assert.Equal(now.AddDays(5 + 365), stored[expiring.Id]);
        Assert.Equal(now.AddDays(200), stored[later.Id]);
        await page.GotoAsync("/admin/expiring-awards");
        await Expect(page.GetByText("No awards expire in this period.")).ToBeVisibleAsync();
    }

    private Task<WebhookEndpoint> EndpointAsync(Guid id) =>
        App.Factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id));

    private Task<WebhookDeliveryStatus> DeliveryStatusAsync(long deliveryId) =>
        App.Factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.Id == deliveryId).Select(d => d.Status).SingleAsync());
}
