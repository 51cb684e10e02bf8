using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>
/// The provider base URL as an SSRF and token-theft channel (issue 14, item 2), on a host with the production outbound
/// policy: refused when saved, refused again when sent (at connect time, after DNS), and nothing leaves.
/// </summary>
public sealed class OutboundPolicyTests(SecurityFixture app) : IClassFixture<SecurityFixture>
{
    private async Task<ProviderDto> CredlyProviderAsync(World world) =>
        await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "Credly", organizationId = world.Root.Id, providerOrganizationId = FakeCredly.Organization, apiToken = FakeCredly.Token,
            apiBaseUrl = "https://api.credly.com/v1",
        })).IsOkAsync<ProviderDto>(HttpStatusCode.Created);

    [Fact]
    public async Task PatchingTheBaseUrl_ToLoopbackMetadataOrAnotherHost_IsRefused_AndNothingChanges()
    {
        var world = await app.NewWorldAsync();
        var provider = await CredlyProviderAsync(world);
        var admin = await app.ClientAsync(world.AdminRoot);
        var before = await DbSnapshot.TakeAsync(app.Factory);
        var url = $"/api/v1/badge-providers/{provider.Id}";

        var loopback = await admin.PatchJsonAsync(url, new { apiBaseUrl = app.Credly.ApiBaseUrl });
        var metadata = await admin.PatchJsonAsync(url, new { apiBaseUrl = "http://169.254.169.254/latest/meta-data", apiToken = "x" });
        var elsewhere = await admin.PatchJsonAsync(url, new { apiBaseUrl = "https://api.credly.com.attacker.example/v1", apiToken = "x" });
        var sandboxWithoutToken = await admin.PatchJsonAsync(url, new { apiBaseUrl = "https://sandbox-api.credly.com/v1" });

        (await loopback.IsProblemAsync(HttpStatusCode.BadRequest, "provider_host_not_allowed")).HasFieldError("apiBaseUrl");
        (await metadata.IsProblemAsync(HttpStatusCode.BadRequest, "provider_host_not_allowed")).HasFieldError("apiBaseUrl");
        (await elsewhere.IsProblemAsync(HttpStatusCode.BadRequest, "provider_host_not_allowed")).HasFieldError("apiBaseUrl");
        (await sandboxWithoutToken.IsProblemAsync(HttpStatusCode.BadRequest, "api_token_required")).HasFieldError("apiToken");
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));
        Assert.Equal(0, app.Credly.Requests("POST") + app.Credly.Requests("GET"));

        // With the token entered again, the move is allowed, and audited with what changed (never the token).
        (await admin.PatchJsonAsync(url, new { apiBaseUrl = "https://sandbox-api.credly.com/v1", apiToken = "new-token" })).EnsureSuccessStatusCode();
        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.EntityId == provider.Id).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([AuditKind.ProviderCreated, AuditKind.ProviderUpdated], entries.Select(e => e.Kind));
        Assert.Contains("apiBaseUrl", entries[1].Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("new-token", entries[1].Data, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://localhost:{port}/v1", "not a public address")]
    [InlineData("https://169.254.169.254/v1", "not a public address")]
    [InlineData("https://10.1.2.3/v1", "not a public address")]
    [InlineData("http://localhost:{port}/v1", "address is not allowed")]
    public async Task Delivery_ToAProviderThatIsNotPublic_FailsBeforeAnythingIsSent(string baseUrl, string why)
    {
        var world = await app.NewWorldAsync();
        var provider = await CredlyProviderAsync(world);
        var target = baseUrl.Replace("{port}", new Uri(app.Credly.ApiBaseUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        // Stored as a provider saved before the rules (or with hosts an operator since took off the list) would be.
        await app.Factory.WithDbAsync(db => db.BadgeProviders.Where(p => p.Id == provider.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.ApiBaseUrl, target)));
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.PutJsonAsync($"/api/v1/badges/{world.Manual.Id}/provider", new { providerId = provider.Id, providerTemplateId = "template-1" })).EnsureSuccessStatusCode();

        var issued = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<IssueBadgesResult>();
        var awardId = issued.Issued[0].AwardId;
        await Eventually.TrueAsync(async () => (await app.Factory.WithDbAsync(db => db.ProviderDeliveries.SingleAsync(d => d.AwardId == awardId))).Status == DeliveryStatus.Failed,
            "the delivery to fail");

        var delivery = await app.Factory.WithDbAsync(db => db.ProviderDeliveries.SingleAsync(d => d.AwardId == awardId));
        Assert.Contains(why, delivery.LastError, StringComparison.Ordinal);
        Assert.False(delivery.MaybeSent);
        Assert.Equal(0, app.Credly.Posts(world.StudentA1.Email));
        Assert.DoesNotContain(app.Credly.Authorizations, a => a is not null);
    }

    [Fact]
    public async Task WebhookEndpoint_OnAPrivateAddress_IsRefusedWhenSaved_AndAgainWhenSent()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var create = (string url) => admin.PostJsonAsync("/api/v1/webhook-endpoints", new { organizationId = world.B.Id, url, events = new[] { "award.issued" } });
        var before = await app.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync());

        foreach (var url in new[] { "https://127.0.0.1/hook", "https://localhost/hook", "https://169.254.169.254/latest", "https://10.1.2.3/hook", "https://[::1]/hook",
                     "http://hooks.example/plain", "https://user:pass@hooks.example/x" })
        {
            (await (await create(url)).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_webhook_url")).HasFieldError("url");
        }
        Assert.Equal(before, await app.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync()));

        // A public name saved, then pointing at loopback (DNS rebinding, or a row edited): refused at connect time, nothing sent.
        var endpoint = await (await create("https://hooks.example/rosette")).IsOkAsync<Rosette.Features.Webhooks.WebhookEndpointDto>(HttpStatusCode.Created);
        await app.Factory.WithDbAsync(db => db.WebhookEndpoints.Where(e => e.Id == endpoint.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.Url, "https://localhost:1/rosette")));
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);
        (await admin.PostJsonAsync($"/api/v1/classes/{classB}/badge-issuances", new { badgeIds = new[] { world.BadgeB.Id }, studentIds = new[] { world.StudentB1.Id } }))
            .EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => app.Factory.WithDbAsync(db => db.WebhookDeliveries.AnyAsync(d => d.EndpointId == endpoint.Id && d.Attempts > 0 && d.ClaimedBy == null)),
            "the first attempt");
        var delivery = await app.Factory.WithDbAsync(db => db.WebhookDeliveries.SingleAsync(d => d.EndpointId == endpoint.Id));
        Assert.Contains("not a public address", delivery.LastError, StringComparison.Ordinal);
        Assert.Null(delivery.LastStatusCode);
    }

    [Theory]
    [InlineData("https://127.0.0.1:{port}")]
    [InlineData("https://169.254.169.254/tenant")]
    [InlineData("https://10.1.2.3/tenant")]
    public async Task SingleSignOn_WithAnIssuerThatIsNotPublic_IsRefusedWhenSaved_AndFailsBeforeAnythingIsAsked(string issuer)
    {
        var world = await app.NewWorldAsync();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptSocketAsync();
        issuer = issuer.Replace("{port}", ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var admin = await app.ClientAsync(world.AdminA);
        var create = (string at) => admin.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A.Id, displayName = "Inside", issuer = at,
            clientId = "c", clientSecret = "s", emailDomains = Array.Empty<string>(), createUsers = false, createdUserRole = "student", allowPasswords = true,
        });
        var before = await DbSnapshot.TakeAsync(app.Factory);

        (await (await create(issuer)).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_issuer")).HasFieldError("issuer");
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));

        // A public name saved, then naming the address (DNS rebinding, or a row edited): refused at connect time, nothing asked.
        var created = await (await create("https://idp.example/tenant")).IsOkAsync<System.Text.Json.JsonElement>(HttpStatusCode.Created);
        var connection = created.GetProperty("id").GetGuid();
        await app.Factory.WithDbAsync(db => db.SignInConnections.Where(c => c.Id == connection).ExecuteUpdateAsync(u => u.SetProperty(c => c.Issuer, issuer)));

        var start = await app.Factory.CreateClient(new() { AllowAutoRedirect = false }).GetAsync($"/sso/{connection}/start");

        Assert.Equal($"/sso/{connection}/failed?code=sso_provider_unavailable", start.Headers.Location?.ToString());
        Assert.False(accepted.IsCompleted, "Rosette connected to the address on this machine");
        Assert.True(await app.Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e =>
            e.Kind == AuditKind.SingleSignOnFailed && e.OrganizationId == world.A.Id && e.Summary.Contains("sso_provider_unavailable"))));
    }
}
