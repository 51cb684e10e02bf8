using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Webhooks;
using Rosette.Features.Webhooks;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Webhook endpoint URLs a connection could not use, or that the URL parser would rewrite: refused when saved, on the API and the pages.</summary>
public sealed class WebhookEndpointUrlTests(AppFixture app) : IClassFixture<AppFixture>
{
    // Port 0 names no port a connection can reach; a control character (RFC 3986 section 2: not allowed in a URI) is dropped
    // or escaped by the parser, so the URL called would not be the one shown.
    private static readonly string[] Unusable =
    [
        "https://hooks.example.com:0/rosette", "https://hooks.example.com/ros\0ette", "https://hooks.example.com/a\u0001b", "https://hooks.example.com/a\tb",
        "https://hooks.example.com/a\nb", "https://hooks.exa\0mple.com/rosette", "https://hooks.example.com/rosette\u007f",
    ];

    [Fact]
    public async Task CreateAndUpdate_PortZeroOrAControlCharacter_IsInvalidWebhookUrl_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var endpoint = await (await admin.PostJsonAsync("/api/v1/webhook-endpoints", new
        {
            organizationId = world.A.Id, url = "https://hooks.example.com/rosette", events = new[] { WebhookEventTypes.AwardExpired },
        })).IsOkAsync<WebhookEndpointDto>(HttpStatusCode.Created);

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            foreach (var url in Unusable)
            {
                (await (await admin.PostJsonAsync("/api/v1/webhook-endpoints", new { organizationId = world.A.Id, url, events = new[] { WebhookEventTypes.AwardExpired } }))
                    .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_webhook_url")).HasFieldError("url");
                (await (await admin.PatchJsonAsync($"/api/v1/webhook-endpoints/{endpoint.Id}", new { url }))
                    .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_webhook_url")).HasFieldError("url");
            }
        });
        // A port named explicitly is fine.
        (await admin.PatchJsonAsync($"/api/v1/webhook-endpoints/{endpoint.Id}", new { url = "https://hooks.example.com:8443/rosette" })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task WebhooksPages_PortZeroOrAControlCharacter_IsSaidBesideTheUrl_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync("/webhooks");
        var before = await app.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync());

        foreach (var url in Unusable)
        {
            using var created = await session.PostAsync("/webhooks", [new("Form.OrganizationId", world.A.Id.ToString()), new("Form.Url", url),
                new("Form.Events", WebhookEventTypes.AwardExpired)]);
            var html = await created.Content.ReadAsStringAsync();
            if (url.Contains('\0', StringComparison.Ordinal))
            {
                // A NUL in a posted form is refused before the page runs (the 400 page), which also leaves nothing stored.
                Assert.True(created.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)created.StatusCode}");
                continue;
            }
            Assert.True(created.StatusCode == HttpStatusCode.OK, $"{url}: {(int)created.StatusCode}");
            Assert.Contains("must not contain control characters or name port 0", html, StringComparison.Ordinal);
        }
        Assert.Equal(before, await app.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync()));
    }
}
