using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Webhooks;
using Rosette.Features.Credentials;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>
/// Requests no page handler can serve (a method the page has no handler for, a handler it does not have, a form value that
/// does not convert to its field), on every page: a clear 4xx, never the page run without its handler (500), and nothing
/// stored. Also the headers and day bounds that hand-made requests reached.
/// </summary>
public sealed partial class PageRequestTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task EveryPageWithoutAPostHandler_PostedWithAValidToken_Answers405_AndChangesNothing()
    {
        await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, await app.RootAsync());
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).Status);
        var pages = Pages();
        Assert.True(pages.Count > 40, $"only {pages.Count} pages found");

        var before = await DbSnapshot.TakeAsync(app.Factory);
        var refused = 0;
        foreach (var page in pages)
        {
            var url = UrlOf(page);
            var methods = page.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant()).ToHashSet();
            Assert.Contains("GET", methods);
            if (!methods.Contains("POST"))
            {
                // A valid antiforgery token: only the missing handler stands in the way.
                using var posted = await session.PostAsync(url, []);
                Assert.True(posted.StatusCode == HttpStatusCode.MethodNotAllowed, $"POST {url}: {(int)posted.StatusCode}");
                Assert.Equal(["GET", "HEAD"], posted.Content.Headers.Allow.Order());
                Assert.Contains("Not possible here", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                refused++;
            }
        }
        Assert.True(refused > 15, $"only {refused} pages without a POST handler");
        Assert.True(before == await DbSnapshot.TakeAsync(app.Factory), "a refused request changed something");
    }

    [Fact]
    public async Task AHandlerNameNoHandlerHas_Is404OnEveryPage_NotThePagesOtherHandlerRun_AndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync("/webhooks");
        var form = new KeyValuePair<string, string>[]
        {
            new("Form.OrganizationId", world.A.Id.ToString()), new("Form.Url", $"https://hooks.example.com/{Guid.NewGuid():N}"),
            new("Form.Events", WebhookEventTypes.AwardIssued),
        };
        var before = await DbSnapshot.TakeAsync(app.Factory);

        // A form that would create a webhook endpoint, sent to a handler the page does not have (in the query, as a renamed
        // button would send it): before, the page's unnamed handler ran and created it.
        using (var bogus = await session.PostAsync("/webhooks?handler=NoSuchHandler", form))
        {
            Assert.Equal(HttpStatusCode.NotFound, bogus.StatusCode);
        }
        var pages = Pages();
        var posted = 0;
        foreach (var page in pages)
        {
            var url = UrlOf(page);
            var (status, _) = await session.GetAsync(url + "?handler=NoSuchHandler");
            Assert.True(status == HttpStatusCode.NotFound, $"GET {url}?handler=NoSuchHandler: {(int)status}");
            if (page.HandlerMethods.Any(h => h.HttpMethod.Equals("POST", StringComparison.OrdinalIgnoreCase)))
            {
                using var response = await session.PostAsync(url + "?handler=NoSuchHandler", []);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"POST {url}?handler=NoSuchHandler: {(int)response.StatusCode}");
                posted++;
            }
        }
        Assert.True(posted > 15, $"only {posted} pages with a POST handler");
        Assert.True(before == await DbSnapshot.TakeAsync(app.Factory), "a request to a handler no page has changed something");

        // The control: the same form without the handler name creates the endpoint (and shows its secret once).
        using var created = await session.PostAsync("/webhooks", form);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("was added", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.WebhookEndpoints.CountAsync(e => e.Url == form[1].Value)));
    }

    [Fact]
    public async Task PublicPages_PostedOrPutAnonymously_Answer405_NotAServerError()
    {
        // The filter refuses before any handler looks the id up: an id of nothing shows it as well as a real one.
        var award = Guid.NewGuid();
        using var anonymous = new PageSession(app.Factory.CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(new CookieContainer())));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).Status);
        Assert.NotNull(anonymous.Token);

        foreach (var url in new[] { $"/credentials/{award}", $"/sso/{Guid.NewGuid()}" })
        {
            using var posted = await anonymous.PostAsync(url, []);
            Assert.True(posted.StatusCode == HttpStatusCode.MethodNotAllowed, $"POST {url}: {(int)posted.StatusCode}");
        }
        using var client = app.Factory.CreateClient();
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, $"/credentials/{award}"));
            Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest, $"{method} /credentials: {(int)response.StatusCode}");
            Assert.Contains("<h1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Options_ToAnUnknownPathOrAPage_IsTheErrorPage_404Or405WithAllow_NotAnEmpty200()
    {
        using var client = app.Factory.CreateClient(new() { AllowAutoRedirect = false });

        using var unknown = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, $"/nothing/{Guid.NewGuid()}"));
        using var page = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/login"));
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/login");
        preflight.Headers.Add("Origin", "https://verifier.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var preflighted = await client.SendAsync(preflight);

        // RFC 9110 section 9.3.7: OPTIONS asks about the target resource; where there is none, 404 (section 15.5.5), as GET
        // gets. A page takes GET and POST only (OPTIONS is optional, section 9.1): 405 with Allow (section 15.5.6), as the
        // API and the public documents answer. Before, both were an empty 200 (Razor Pages' answer to OPTIONS on the error page).
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Page not found", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var response in new[] { page, preflighted })
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal(["GET", "HEAD", "POST"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            Assert.Contains("Not possible here", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Theory]
    [InlineData("/my/badges?search=José", "/my/badges?search=Jos%C3%A9")] // a header carries ASCII only: the cookie handler threw (500)
    [InlineData("/\n/evil.example", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("//evil.example", "/")]
    public async Task LogIn_ReturnUrl_IsFollowedOnlyOnThisSite_AsAValidHeader(string returnUrl, string expected)
    {
        var world = await app.NewWorldAsync();
        using var browser = new PageSession(app.Factory.CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(new CookieContainer())));
        var login = $"/login?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(login)).Status);

        using var loggedIn = await browser.PostAsync(login, [new("Email", world.StudentA1.Email), new("Password", World.Password)]);

        Assert.True(loggedIn.StatusCode == HttpStatusCode.Redirect, $"{(int)loggedIn.StatusCode}");
        Assert.Equal(expected, loggedIn.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/my/badges")).Status);
    }

    [Fact]
    public async Task AFormValueThatDoesNotConvert_Is400WithItsMessage_AndNothingIsStored()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync("/admin/courses");
        var name = $"Probe {Guid.NewGuid():N}";
        var posts = new (string Url, (string, string)[] Fields)[]
        {
            // Valid but for the checkbox: before, the course was stored with the box unticked.
            ("/admin/courses", [("Input.Name", name), ("Input.OrganizationId", world.Root.Id.ToString()), ("Input.EnableAchievementsForOutsideOrganizations", "yes")]),
            // Invalid besides: before, showing the form again failed on the checkbox's value (500).
            ("/admin/badges/new", [("Input.AllowManualIssuance", "yes")]),
            ("/admin/users/new", [("Input.Email", $"{Guid.NewGuid():N}@rosette.test"), ("Input.FirstName", "P"), ("Input.LastName", "Q"),
                ("Input.OrganizationId", world.A.Id.ToString()), ("Input.Role", "Student"), ("Input.ParticipateInAchievements", "yes")]),
            ($"/admin/organizations/{world.A.Id}/api-keys", [("Input.Name", name), ("Input.Permissions", "read_awards"), ("Input.ExpiresOn", "someday")]),
        };

        var before = await DbSnapshot.TakeAsync(app.Factory);
        foreach (var (url, fields) in posts)
        {
            using var response = await session.PostAsync(url, fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode}");
            Assert.Contains("is not valid for", html, StringComparison.Ordinal);
        }
        Assert.True(before == await DbSnapshot.TakeAsync(app.Factory), "a refused form changed something");

        // The control: the same course with the box ticked as a browser sends it.
        using var created = await session.PostAsync("/admin/courses", [new("Input.Name", name), new("Input.OrganizationId", world.Root.Id.ToString()),
            new("Input.EnableAchievementsForOutsideOrganizations", "true")]);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.True(await app.Factory.WithDbAsync(db => db.Courses.Where(c => c.Name == name).Select(c => c.EnableAchievementsForOutsideOrganizations).SingleAsync()));
    }

    [Fact]
    public async Task TheLastDayADateCanName_IsAcceptedAsAnEnd_ByTheApiKeysAndAuditPages()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await session.GetAsync($"/admin/organizations/{world.A.Id}/api-keys");
        var name = $"Key {Guid.NewGuid():N}";

        using var created = await session.PostAsync($"/admin/organizations/{world.A.Id}/api-keys",
            [new("Input.Name", name), new("Input.Permissions", "read_awards"), new("Input.ExpiresOn", "9999-12-31")]);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var expiresAt = await app.Factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Name == name).Select(k => k.ExpiresAt).SingleAsync());
        Assert.True(expiresAt > new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc), $"{expiresAt:O}");
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/admin/audit?To=9999-12-31")).Status);
        using var export = await session.GetResponseAsync("/admin/audit?handler=Export&To=9999-12-31");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/admin/audit?From=0001-01-01&To=9999-12-31")).Status);
    }

    [Fact]
    public async Task AListFilterThatDoesNotParse_Is400_NotTheDefaultListShownInstead()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        foreach (var url in new[]
        {
            "/admin/expiring-awards?from=someday", "/admin/expiring-awards?to=2026-13-01", "/admin/expiring-awards?badgeId=nope",
            "/admin/expiring-awards?state=bogus", "/admin/expiring-awards?handler=Export&from=someday", "/admin/badges?show=bogus",
        })
        {
            using var response = await session.GetResponseAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode}");
        }
        foreach (var url in new[]
        {
            "/admin/expiring-awards?from=2026-01-01&to=2026-12-31&state=expired", $"/admin/expiring-awards?badgeId={world.BadgeB.Id}",
            "/admin/badges?show=archived", "/admin/badges?show=all", "/admin/badges?show=active", "/admin/badges?show=",
        })
        {
            Assert.Equal(HttpStatusCode.OK, (await session.GetAsync(url)).Status);
        }
        // A renewal's own refusal still shows on the list, with the list's filters in force.
        await session.GetAsync("/admin/expiring-awards");
        using var renewal = await session.PostAsync("/admin/expiring-awards?handler=Renew&state=expired", []);
        Assert.Equal(HttpStatusCode.OK, renewal.StatusCode);
        Assert.Contains("awards to renew.", await renewal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliveries_AProviderIdThatDoesNotParse_Is400WithItsMessage_NotEveryProviderShown()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        // Before, the binding dropped the value and the deliveries to every provider were shown under a URL that named one.
        foreach (var bad in new[] { "nope", "12345", $"{Guid.NewGuid()}x" })
        {
            var (status, html) = await session.GetAsync($"/deliveries?providerId={bad}");
            Assert.True(status == HttpStatusCode.BadRequest, $"providerId={bad}: {(int)status}");
            Assert.Contains("must be a provider&#x27;s id", html, StringComparison.Ordinal);
        }
        // No filter (empty, as "All" is) and a well-formed id are lists.
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/deliveries?providerId=")).Status);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync($"/deliveries?providerId={Guid.NewGuid()}&status=failed")).Status);
    }

    /// <summary>The pages that read <c>page</c> (and <c>pageSize</c>) from the query; {class}, {course}, {endpoint} and {achievement} name a real one.</summary>
    [Theory]
    [InlineData("/admin/classes/{class}")]
    [InlineData("/admin/courses")]
    [InlineData("/admin/courses/{course}")]
    [InlineData("/deliveries")]
    [InlineData("/deliveries?status=failed")]
    [InlineData("/webhooks/{endpoint}")]
    [InlineData("/webhooks/{endpoint}/attempts")]
    [InlineData("/achievements")]
    [InlineData("/achievements/{achievement}")]
    [InlineData("/admin/expiring-awards")]
    [InlineData("/classes/{class}/issue-badges?handler=Students")]
    [InlineData("/classes/{class}/roster")]
    [InlineData("/admin/classes")]
    public async Task APageNumberThatIsNotANumber_Is400WithItsMessage_NotTheFirstPageShown(string template)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var url = template.Replace("{class}", world.Class.Id.ToString(), StringComparison.Ordinal).Replace("{course}", world.Course.Id.ToString(), StringComparison.Ordinal);
        if (url.Contains("{endpoint}", StringComparison.Ordinal))
        {
            var endpoint = await (await admin.PostJsonAsync("/api/v1/webhook-endpoints", new
            {
                organizationId = world.A.Id, url = "https://hooks.example.com/rosette", events = new[] { Rosette.Domain.Webhooks.WebhookEventTypes.AwardExpired },
            })).IsOkAsync<Rosette.Features.Webhooks.WebhookEndpointDto>(HttpStatusCode.Created);
            url = url.Replace("{endpoint}", endpoint.Id.ToString(), StringComparison.Ordinal);
        }
        if (url.Contains("{achievement}", StringComparison.Ordinal))
        {
            var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"))))
                .IsOkAsync<Rosette.Features.Achievements.AchievementDto>(HttpStatusCode.Created);
            url = url.Replace("{achievement}", achievement.Id.ToString(), StringComparison.Ordinal);
        }
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";

        // Before, the binding dropped "abc" and the first page was shown, while "-5" or "0" was refused.
        foreach (var bad in new[] { "page=abc", "page=1.5", "page=99999999999" })
        {
            var (status, html) = await session.GetAsync($"{url}{separator}{bad}");
            Assert.True(status == HttpStatusCode.BadRequest, $"{url}{separator}{bad}: {(int)status}");
            Assert.Contains("is not valid", html, StringComparison.Ordinal);
        }
        var (first, _) = await session.GetAsync($"{url}{separator}page=1");
        Assert.Equal(HttpStatusCode.OK, first);
    }

    [Fact]
    public async Task EveryAnswer_IsNosniff_ApiAndPagesAlike()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        using var json = await admin.GetAsync("/api/v1/users?pageSize=1");
        using var problem = await admin.GetAsync($"/api/v1/users/{Guid.NewGuid()}");
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        using var page = await session.GetResponseAsync("/");

        foreach (var response in new[] { json, problem, page })
        {
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Fact]
    public async Task AbsoluteLinksOnPages_RequestWithAForeignHost_AreOnThePublicBaseUrl()
    {
        var world = await app.NewWorldAsync();
        var publicBase = app.Factory.Services.GetRequiredService<CredentialUrls>().Base;
        var root = await app.ClientAsync(world.AdminRoot);
        var connection = await (await root.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A.Id, displayName = "A", issuer = "https://idp.example.com", clientId = "c", clientSecret = "s",
            emailDomains = Array.Empty<string>(), createUsers = false, createdUserRole = "student", allowPasswords = true,
        })).IsOkAsync<JsonElement>(HttpStatusCode.Created);
        var connectionId = connection.GetProperty("id").GetString();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot, new Uri("http://attacker.example"));

        // The one-time reset link an administrator hands on, and the addresses to register at the provider and to hand out.
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync($"/admin/users/{world.StudentA1.Id}")).Status);
        using var reset = await session.PostAsync($"/admin/users/{world.StudentA1.Id}?handler=ResetPassword", [new("ResetMode", "link")]);
        var resetHtml = await reset.Content.ReadAsStringAsync();
        var (status, connectionHtml) = await session.GetAsync($"/admin/organizations/{world.A.Id}/sign-in");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (reset.StatusCode, status));
        Assert.Contains($"{publicBase}/reset-password?userId={world.StudentA1.Id}", resetHtml, StringComparison.Ordinal);
        Assert.Contains($"{publicBase}/sso/{connectionId}/callback", connectionHtml, StringComparison.Ordinal);
        Assert.Contains($"{publicBase}/sso/{connectionId}<", connectionHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker.example", resetHtml + connectionHtml, StringComparison.Ordinal);
    }

    /// <summary>Every page the app routes to, but the error pages.</summary>
    private List<CompiledPageActionDescriptor> Pages() =>
        app.Factory.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<CompiledPageActionDescriptor>().Where(p => p.AttributeRouteInfo?.Template is not null && !p.AttributeRouteInfo.Template.StartsWith("error", StringComparison.Ordinal))
            .ToList();

    /// <summary>The page's address, with 1 for a number in its route and a random id for anything else.</summary>
    private static string UrlOf(CompiledPageActionDescriptor page) =>
        "/" + RouteParameter().Replace(page.AttributeRouteInfo!.Template!, m => m.Value.Contains(":int", StringComparison.Ordinal) || m.Value.Contains(":long", StringComparison.Ordinal) ? "1" : Guid.NewGuid().ToString());

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
