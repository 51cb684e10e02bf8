using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Users;
using Rosette.Domain.Webhooks;
using Rosette.Features.Achievements;
using Rosette.Features.ApiKeys;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Features.SingleSignOn;
using Rosette.Features.Webhooks;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Every page POST handler that changes something, posted by each kind of caller who may not use it, with a valid
/// antiforgery token (so that only authorization stands in the way): refused, and nothing changed.
/// </summary>
public sealed class PageAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("student")]
    [InlineData("instructor-of-another-class")]
    [InlineData("administrator-out-of-scope")]
    public async Task EveryChangingPageHandler_UnauthorisedCaller_IsRefusedAndChangesNothing(string caller)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var award = (await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<IssueBadgesResult>()).Issued[0].AwardId;
        var provider = await (await admin.PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "Credly", organizationId = world.Root.Id, providerOrganizationId = "org", apiToken = "token", apiBaseUrl = "https://api.credly.com/v1",
        })).IsOkAsync<ProviderDto>(HttpStatusCode.Created);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"))))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var apiKey = (await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "Lab", organizationId = world.A.Id, permissions = new[] { "post_activity_events" } }))
            .IsOkAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Key;
        await (await admin.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A.Id, displayName = "Campus", issuer = "https://idp.example.com", clientId = "c", clientSecret = "s",
            emailDomains = new[] { $"{Guid.NewGuid():N}.example.com" }, createUsers = false, createdUserRole = "student", allowPasswords = true,
        })).IsOkAsync<SignInConnectionDto>(HttpStatusCode.Created);
        var (endpoint, deadLetter) = await WebhookWithDeadLetterAsync(world, admin);
        var user = caller switch
        {
            "student" => world.StudentA1,
            "instructor-of-another-class" => world.OtherInstructor,
            _ => world.AdminB,
        };
        using var session = await PageSession.SignInAsync(app.Factory, user);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).Status);
        Assert.NotNull(session.Token);

        var posts = new (string Url, (string, string)[] Fields)[]
        {
            ("/admin/users/new", [("Input.Email", $"new.{Guid.NewGuid():N}@rosette.test"), ("Input.FirstName", "X"), ("Input.LastName", "Y"),
                ("Input.OrganizationId", world.A.Id.ToString()), ("Input.Role", nameof(UserRole.Administrator))]),
            ($"/admin/users/{world.StudentA2.Id}", [("Input.FirstName", "Hacked"), ("Input.LastName", "Y"), ("Input.Role", nameof(UserRole.Administrator)), ("Input.IsActive", "true")]),
            ($"/admin/users/{world.AdminA.Id}?handler=ResetPassword", [("ResetMode", "generated")]),
            ("/admin/organizations", [("Input.Name", "Planted"), ("Input.ParentId", world.A.Id.ToString())]),
            ($"/admin/organizations/{world.A.Id}", [("Input.Name", "Renamed")]),
            ("/admin/courses", [("Input.Name", "Planted"), ("Input.OrganizationId", world.Root.Id.ToString())]),
            ($"/admin/courses/{world.Course.Id}", [("Input.Name", "Renamed")]),
            ($"/admin/courses/{world.Course.Id}?handler=Assign", [("studentId", world.StudentA2.Id.ToString())]),
            ($"/admin/courses/{world.Course.Id}?handler=Complete", [("assignmentId", world.Assignment.Id.ToString())]),
            ("/admin/classes/new", [("Input.Name", "Planted"), ("Input.OrganizationId", world.Root.Id.ToString())]),
            ($"/admin/classes/{world.Class.Id}", [("Input.Name", "Renamed")]),
            ($"/admin/classes/{world.Class.Id}?handler=AssignInstructor", [("Assign.UserId", user.Id.ToString()), ("Assign.Kind", "Contract")]),
            ($"/admin/classes/{world.Class.Id}?handler=RemoveInstructor", [("userId", world.OrgInstructor.Id.ToString())]),
            ($"/admin/classes/{world.Class.Id}?handler=Enroll", [("studentIds", world.StudentOutside.Id.ToString())]),
            ($"/admin/classes/{world.Class.Id}?handler=Unenroll", [("studentId", world.StudentA2.Id.ToString())]),
            ("/admin/badges/new", [("Input.Name", "Planted"), ("Input.Description", "d"), ("Input.Criteria", "c"), ("Input.OrganizationId", world.Root.Id.ToString())]),
            ($"/admin/badges/{world.Manual.Id}", [("Input.Name", "Renamed"), ("Input.Description", "d"), ("Input.Criteria", "c")]),
            ($"/admin/badges/{world.Manual.Id}?handler=Archive", [("archived", "true")]),
            ($"/admin/badges/{world.Manual.Id}/availability", [("organizationIds", world.A.Id.ToString())]),
            ("/providers", [("Form.Name", "Planted"), ("Form.OrganizationId", world.Root.Id.ToString()), ("Form.ProviderOrganizationId", "o"),
                ("Form.ApiBaseUrl", "https://api.credly.com/v1"), ("Form.ApiToken", "t")]),
            ($"/providers/{provider.Id}", [("Form.Name", "Renamed"), ("Form.ProviderOrganizationId", "o"), ("Form.ApiBaseUrl", "https://sandbox-api.credly.com/v1"), ("Form.ApiToken", "t2")]),
            ($"/providers/{provider.Id}?handler=Link", [("badgeId", world.Manual.Id.ToString()), ("templateId", "template-1")]),
            ($"/deliveries?handler=Retry", [("awardId", award.ToString())]),
            ($"/classes/{world.Class.Id}/issue-badges", [("command", "issue"), ("BadgeIds", world.Manual.Id.ToString()), ("StudentIds", world.StudentA2.Id.ToString())]),
            ($"/classes/{world.Class.Id}/students/{world.StudentA2.Id}/issue-badge", [("BadgeId", world.Manual.Id.ToString())]),
            ($"/awards/{award}?handler=Revoke", [("Reason", "Matrix")]),
            ($"/course-assignments/{world.Assignment.Id}/issue-badge", [("BadgeId", world.Manual.Id.ToString())]),
            ($"/achievements?handler=Disable", [("id", achievement.Id.ToString())]),
            ($"/achievements/edit/{achievement.Id}?handler=Json", [("Form.Name", "Renamed")]),
            ($"/admin/organizations/{world.A.Id}/api-keys", [("Input.Name", "Planted"), ("Input.Permissions", "issue_badges")]),
            ($"/admin/organizations/{world.A.Id}/api-keys?handler=Revoke", [("keyId", apiKey.Id.ToString())]),
            ($"/admin/organizations/{world.A.Id}/sign-in", [("Input.DisplayName", "Planted"), ("Input.Issuer", "https://evil.example.com"),
                ("Input.ClientId", "c"), ("Input.ClientSecret", "s"), ("Input.EmailDomains", "planted.example.com"), ("Input.CreateUsers", "true"),
                ("Input.CreatedUserRole", nameof(UserRole.Administrator))]),
            ($"/admin/organizations/{world.A.Id}/sign-in?handler=Delete", []),
            (RenewUrl, [("awardIds", award.ToString())]),
        };

        foreach (var (url, fields) in posts.Concat(WebhookPosts(world, endpoint, deadLetter)))
        {
            if (url == RenewUrl && caller == "administrator-out-of-scope")
            {
                // A bulk renewal answers per award, as the API does: an award out of scope fails as unknown_award, recorded in the
                // caller's own batch result; the award itself is untouched.
                var awardsBefore = await AwardsAsync();
                using var renewal = await session.PostAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
                Assert.StartsWith("/badge-issuances/", renewal.Headers.Location?.OriginalString, StringComparison.Ordinal);
                Assert.Equal(awardsBefore, await AwardsAsync());
                continue;
            }
            var before = await DbSnapshot.TakeAsync(app.Factory);
            using var response = await session.PostAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            var status = (int)response.StatusCode;
            Assert.True(status is 403 or 404 or 200, $"{url} as {caller}: {status} {response.Headers.Location}");
            Assert.True(before == await DbSnapshot.TakeAsync(app.Factory), $"{url} as {caller} changed something ({status})");
        }

        // The control: the same kind of post by someone allowed does change something.
        using var allowed = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await allowed.GetAsync("/");
        var unchanged = await DbSnapshot.TakeAsync(app.Factory);
        using var archived = await allowed.PostAsync($"/admin/badges/{world.Manual.Id}?handler=Archive", [new("archived", "true")]);
        Assert.NotEqual(unchanged, await DbSnapshot.TakeAsync(app.Factory));
    }

    /// <summary>
    /// The administrator of the endpoint's own organization may not point its events elsewhere (webhook_not_manageable): refused
    /// on every webhook page handler, and nothing changed.
    /// </summary>
    [Fact]
    public async Task WebhookPageHandlers_AdministratorOfTheEndpointsOrganization_IsRefusedAndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var (endpoint, deadLetter) = await WebhookWithDeadLetterAsync(world, await app.ClientAsync(world.AdminRoot));
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).Status);

        foreach (var (url, fields) in WebhookPosts(world, endpoint, deadLetter))
        {
            var before = await DbSnapshot.TakeAsync(app.Factory);
            using var response = await session.PostAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{url}: {(int)response.StatusCode}");
            Assert.True(before == await DbSnapshot.TakeAsync(app.Factory), $"{url} as the administrator of the endpoint's organization changed something");
        }

        // The control: the administrator above may.
        using var allowed = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await allowed.GetAsync("/");
        var unchanged = await DbSnapshot.TakeAsync(app.Factory);
        using var replayed = await allowed.PostAsync($"/webhooks/{endpoint}?handler=Replay", [new("deliveryId", deadLetter.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        Assert.NotEqual(unchanged, await DbSnapshot.TakeAsync(app.Factory));
    }

    private const string RenewUrl = "/admin/expiring-awards?handler=Renew";

    private Task<string> AwardsAsync() => app.Factory.WithDbAsync(async db =>
        System.Text.Json.JsonSerializer.Serialize(await db.Awards.AsNoTracking().OrderBy(a => a.Id).ToListAsync()));

    private static (string Url, (string, string)[] Fields)[] WebhookPosts(World world, Guid endpoint, long deadLetter) =>
    [
        ("/webhooks", [("Form.OrganizationId", world.A.Id.ToString()), ("Form.Url", "https://hooks.example.com/planted"), ("Form.Events", WebhookEventTypes.AwardIssued)]),
        ($"/webhooks/{endpoint}?handler=Enabled", [("enabled", "false")]),
        ($"/webhooks/{endpoint}?handler=Secret", []),
        ($"/webhooks/{endpoint}?handler=Replay", [("deliveryId", deadLetter.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
        ($"/webhooks/{endpoint}?handler=ReplayFailed", []),
        ($"/webhooks/{endpoint}?handler=Delete", []),
    ];

    /// <summary>An endpoint of organization A (made through the API by the administrator above it) with one dead-lettered delivery.</summary>
    private async Task<(Guid Endpoint, long DeadLetter)> WebhookWithDeadLetterAsync(World world, HttpClient admin)
    {
        // An event nothing in these tests raises, so the dispatcher leaves the endpoint alone.
        var endpoint = await (await admin.PostJsonAsync("/api/v1/webhook-endpoints", new
        {
            organizationId = world.A.Id, url = "https://hooks.example.com/rosette", events = new[] { WebhookEventTypes.AwardExpired },
        })).IsOkAsync<WebhookEndpointDto>(HttpStatusCode.Created);
        var deadLetter = await app.Factory.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var webhookEvent = WebhookEvent.Create(Guid.NewGuid(), WebhookEventTypes.AwardExpired, world.A.Id, Guid.NewGuid(), now, "{}");
            var delivery = WebhookDelivery.Create(endpoint.Id, webhookEvent, now);
            delivery.Failed(500, "Internal Server Error", now.AddDays(-4), now);
            db.AddRange(webhookEvent, delivery);
            await db.SaveChangesAsync();
            return delivery.Id;
        });
        return (endpoint.Id, deadLetter);
    }
}
