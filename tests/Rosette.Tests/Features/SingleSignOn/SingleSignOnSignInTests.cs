using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;
using Rosette.Features.SingleSignOn;
using Microsoft.Extensions.Time.Testing;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.SingleSignOn;

/// <summary>
/// One host, on a clock the tests move, and two OpenID Connect providers (OpenIddict's server: a client per connection)
/// for the single sign-on tests.
/// </summary>
public sealed class SingleSignOnFixture : AppFixture
{
    /// <summary>The app's public address, another origin than the test server's (http://localhost): what redirect URIs are built on.</summary>
    public const string PublicBaseUrl = "https://sso.rosette.test";

    private OidcProvider? _provider;
    private OidcProvider? _otherProvider;

    public OidcProvider Provider => _provider ?? throw new InvalidOperationException("Not started.");

    /// <summary>A second provider with an issuer of its own: another organization's, or where a connection moves.</summary>
    public OidcProvider OtherProvider => _otherProvider ?? throw new InvalidOperationException("Not started.");

    /// <summary>The app's clock: it only moves forward, so each test measures from where it finds it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public override async ValueTask InitializeAsync()
    {
        var started = await Task.WhenAll(OidcProvider.StartAsync(), OidcProvider.StartAsync());
        (_provider, _otherProvider) = (started[0], started[1]);
        await base.InitializeAsync();
    }

    /// <summary>Stops the app's database work at a chosen statement: two sign-ins raced in a fixed order.</summary>
    public CommandGate Gate { get; } = new();

    protected override RosetteFactory CreateFactory(TestDatabase database) => new GatedFactory(database, Clock, Gate);

    private sealed class GatedFactory(TestDatabase database, FakeTimeProvider clock, CommandGate gate)
        : RosetteFactory(database, clock, new Dictionary<string, string?>(LocalOutbound) { ["Rosette:PublicBaseUrl"] = PublicBaseUrl })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(gate.AddTo);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Gate.ReleaseAll();
        await base.DisposeAsync();
        foreach (var provider in new[] { _provider, _otherProvider })
        {
            if (provider is not null)
            {
                await provider.DisposeAsync();
            }
        }
    }

    public Task<(Guid Id, string Client)> ConnectAsync(
        HttpClient admin, Guid organizationId, string[]? domains = null, bool createUsers = false, string role = "student", bool allowPasswords = true) =>
        Provider.ConnectAsync(admin, organizationId, domains, createUsers, role, allowPasswords);

    /// <summary>
    /// The browser's round trip: Rosette's start sends it to the provider's authorization endpoint, the provider sends it
    /// back with a code, and Rosette's callback redeems it. Returns the browser (its cookies) and where the callback sent it.
    /// </summary>
    public async Task<(HttpClient Browser, Uri Callback, string Location)> SignInAsync(Guid connectionId, string? loginHint = null, string returnUrl = "/badges")
    {
        var (browser, callback) = await BeginAsync(connectionId, loginHint, returnUrl);
        return (browser, callback, await ReturnAsync(browser, callback));
    }

    /// <summary>The browser's way to the provider and back to the callback's address, not yet followed.</summary>
    public async Task<(HttpClient Browser, Uri Callback)> BeginAsync(Guid connectionId, string? loginHint = null, string returnUrl = "/badges")
    {
        var browser = NewBrowser();
        var start = await browser.GetAsync($"/sso/{connectionId}/start?returnUrl={Uri.EscapeDataString(returnUrl)}"
            + (loginHint is null ? "" : $"&loginHint={Uri.EscapeDataString(loginHint)}"));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.True(start.Headers.Location is { IsAbsoluteUri: true, AbsolutePath: "/connect/authorize" }, $"Sent to {start.Headers.Location}");
        using var toProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var authorize = await toProvider.GetAsync(start.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var callback = authorize.Headers.Location!;
        Assert.Equal($"/sso/{connectionId}/callback", callback.AbsolutePath);
        return (browser, callback);
    }

    /// <summary>Follows the provider's answer back to Rosette's callback: where Rosette then sends the browser.</summary>
    public static async Task<string> ReturnAsync(HttpClient browser, Uri callback)
    {
        var back = await browser.GetAsync(callback.PathAndQuery);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"{(int)back.StatusCode}: {await back.Content.ReadAsStringAsync()}");
        return back.Headers.Location!.ToString();
    }

    public HttpClient NewBrowser() => Factory.CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(new CookieContainer()));

    /// <summary>Whether the browser holds a Rosette session: the log-in page sends a signed-in visitor on.</summary>
    public static async Task<bool> IsSignedInAsync(HttpClient browser) => (await browser.GetAsync("/login")).StatusCode == HttpStatusCode.Redirect;

    /// <summary>Asserts that a sign-in ended on the failure page with <paramref name="code"/>: shown in words, not signed in, audited.</summary>
    public async Task AssertRefusedAsync(HttpClient browser, Guid connectionId, Guid organizationId, string location, string code)
    {
        Assert.Equal($"/sso/{connectionId}/failed?code={code}", location);
        Assert.False(await IsSignedInAsync(browser));
        var page = await browser.GetAsync(location);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains(HtmlEncoder.Default.Encode(SingleSignOnFailures.Messages[code]), await page.Content.ReadAsStringAsync());
        Assert.True(await Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e =>
            e.Kind == AuditKind.SingleSignOnFailed && e.OrganizationId == organizationId && e.Summary.Contains(code))), $"{code} is audited");
    }
}

/// <summary>
/// Single sign-on (issue 18) against a real OpenID Connect provider over HTTP: first sign-in links by a verified email or
/// creates the person, each refusal of the provider's answer, reach limited to the connection's organization, passwords
/// refused where single sign-on is required, every failure audited.
/// </summary>
public sealed partial class SingleSignOnSignInTests(SingleSignOnFixture app) : IClassFixture<SingleSignOnFixture>
{
    [Fact]
    public async Task SignIn_VerifiedEmailOfUserInScope_LinksThenSignsInBySubject()
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        var subject = $"sub-{Guid.NewGuid():N}";

        app.Provider.SignsIn(client, new(subject, world.StudentA1.Email.ToUpperInvariant()));
        var (browser, _, location) = await app.SignInAsync(connection, world.StudentA1.Email);

        Assert.Equal("/badges", location);
        Assert.Equal(world.StudentA1.Email, app.Provider.LastLoginHint);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
        var link = await app.Factory.WithDbAsync(db => db.ExternalLogins.AsNoTracking().SingleAsync(l => l.ConnectionId == connection));
        Assert.Equal((world.StudentA1.Id, subject), (link.UserId, link.Subject));
        Assert.True(await app.Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Kind == AuditKind.SingleSignOnLinked && e.EntityId == world.StudentA1.Id)));

        // Next time the subject decides, whatever the email now says (even unverified).
        app.Provider.SignsIn(client, new(subject, "renamed@elsewhere.test", EmailVerified: false));
        var (again, _, _) = await app.SignInAsync(connection);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(again));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.ExternalLogins.CountAsync(l => l.UserId == world.StudentA1.Id)));
    }

    [Theory]
    [InlineData("/\t/evil.example", "/")] // a browser strips the tab: //evil.example
    [InlineData("/\n\\evil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/badges?search=José Müller", "/badges?search=Jos%C3%A9%20M%C3%BCller")] // a header carries ASCII only
    public async Task SignIn_ReturnUrl_StaysOnThisSite_AsAValidHeader(string returnUrl, string expected)
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);

        app.Provider.SignsIn(client, new($"sub-{Guid.NewGuid():N}", world.StudentA1.Email));
        var (browser, _, location) = await app.SignInAsync(connection, returnUrl: returnUrl);

        Assert.Equal(expected, location);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
    }

    [Fact]
    public async Task SignIn_UnknownPersonInOwnedDomain_CreatesThemInTheConnectedOrganizationWithTheConnectionsRole()
    {
        var world = await app.NewWorldAsync();
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain], createUsers: true, role: "instructor");

        app.Provider.SignsIn(client, new("new-person", $"ada@{domain}", GivenName: "Ada", FamilyName: "Lovelace"));
        var (browser, _, _) = await app.SignInAsync(connection);

        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
        var user = await app.Factory.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == $"ada@{domain}"));
        Assert.Equal((world.A.Id, UserRole.Instructor, false, "Ada", "Lovelace"), (user.OrganizationId, user.Role, user.IsSystemAdministrator, user.FirstName, user.LastName));
        Assert.Null(user.PasswordHash);
        Assert.True(await app.Factory.WithDbAsync(db => db.ExternalLogins.AnyAsync(l => l.ConnectionId == connection && l.Subject == "new-person" && l.UserId == user.Id)));

        // Outside the connection's domains nobody is created.
        var outsider = $"eve-{Guid.NewGuid():N}@elsewhere.test";
        app.Provider.SignsIn(client, new("eve", outsider));
        var (refused, _, location) = await app.SignInAsync(connection);
        Assert.Equal($"/sso/{connection}/failed?code=sso_domain_not_owned", location);
        Assert.False(await SingleSignOnFixture.IsSignedInAsync(refused));
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == outsider)));
    }

    public static TheoryData<string, string> SpoiledAnswers => new()
    {
        { "issuer", "sso_invalid_token" },
        { "audience", "sso_wrong_audience" },
        { "nonce", "sso_nonce_mismatch" },
        { "signature", "sso_invalid_token" },
        // The OpenID Connect handler skips the signature check of an id_token from the token endpoint (OIDC Core 3.1.3.7
        // permits it); Rosette does not.
        { "unsigned", "sso_invalid_token" },
        { "unverified", "sso_email_unverified" },
    };

    [Theory]
    [MemberData(nameof(SpoiledAnswers))]
    public async Task SignIn_AnswerNotToBeTrusted_IsRefusedShownAndAuditedAndChangesNothing(string spoiled, string code)
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        app.Provider.SignsIn(client, new($"sub-{spoiled}", world.StudentA2.Email, EmailVerified: spoiled != "unverified"), spoiled switch
        {
            "issuer" => new OidcProvider.Spoil(Issuer: app.OtherProvider.Issuer),
            "audience" => new OidcProvider.Spoil(Audience: "another-application"),
            "nonce" => new OidcProvider.Spoil(Nonce: "a-nonce-of-another-sign-in"),
            "signature" => new OidcProvider.Spoil(StrangerKey: true),
            "unsigned" => new OidcProvider.Spoil(NoSignature: true),
            _ => null,
        });

        var (browser, _, location) = await DbSnapshot.UnchangedAsync(app.Factory, () => app.SignInAsync(connection));

        Assert.Equal(1, app.Provider.TokensIssued.GetValueOrDefault(client));
        await app.AssertRefusedAsync(browser, connection, world.A.Id, location, code);
    }

    [Theory]
    [InlineData("Host")]
    [InlineData("X-Forwarded-Host")]
    public async Task SignIn_ForgedHostHeader_SendsTheRedirectUriOnThePublicBaseUrl_AndTheCallbackStillSignsIn(string header)
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        var registered = $"{SingleSignOnFixture.PublicBaseUrl}/sso/{connection}/callback";
        // The connection page shows that address to be registered at the provider.
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminA);
        Assert.Contains($"<code id=\"redirect-uri\">{registered}</code>", (await page.GetAsync($"/admin/organizations/{world.A.Id}/sign-in")).Html);

        app.Provider.SignsIn(client, new($"sub-{Guid.NewGuid():N}", world.StudentA1.Email));
        var browser = app.NewBrowser();
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"/sso/{connection}/start?returnUrl=%2Fbadges");
        forged.Headers.TryAddWithoutValidation(header, "evil.example");
        var start = await browser.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        // OpenID Connect Core 1.0 section 3.1.2.1: redirect_uri must exactly match a URI registered at the provider.
        var sent = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(start.Headers.Location!.Query)["redirect_uri"];
        Assert.Equal(registered, sent.ToString());

        // The provider sends the browser back there; the code is redeemed with the same redirect_uri (RFC 6749 section 4.1.3).
        using var toProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var callback = (await toProvider.GetAsync(start.Headers.Location)).Headers.Location!;
        Assert.Equal(registered, callback.GetLeftPart(UriPartial.Path));
        Assert.Equal("/badges", await SingleSignOnFixture.ReturnAsync(browser, callback));
        Assert.Equal(registered, app.Provider.LastTokenRedirectUri);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
    }

    [Fact]
    public async Task Audit_ConnectionsCreatedUserRole_IsTheRolesName_AsTheUserEntriesSpellRoles()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (connection, client) = await app.ConnectAsync(admin, world.A.Id, [domain], createUsers: true, role: "instructor");
        await (await admin.PatchJsonAsync($"/api/v1/sign-in-connections/{connection}", new { createdUserRole = "student" })).IsOkAsync<JsonElement>();
        var instructor = (await (await admin.PostJsonAsync("/api/v1/users", new
        {
            email = $"ins-{Guid.NewGuid():N}@rosette.test", firstName = "In", lastName = "Structor", organizationId = world.A.Id, role = "instructor",
        })).IsOkAsync<JsonElement>(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        app.Provider.SignsIn(client, new("audited-role", $"new@{domain}"));
        await app.SignInAsync(connection);
        var student = await app.Factory.WithDbAsync(db => db.Users.Where(u => u.Email == $"new@{domain}").Select(u => u.Id).SingleAsync());

        async Task<JsonElement> DataAsync(AuditKind kind, Guid entity) => JsonDocument.Parse(await app.Factory.WithDbAsync(db =>
            db.AuditEntries.Where(e => e.Kind == kind && e.EntityId == entity).Select(e => e.Data!).SingleAsync())).RootElement;
        var spelled = (await DataAsync(AuditKind.UserCreated, instructor)).GetProperty("role").GetString();
        Assert.Equal("Instructor", spelled);
        Assert.Equal(spelled, (await DataAsync(AuditKind.SignInConnectionCreated, connection)).GetProperty("createdUserRole").GetString());
        Assert.Equal(["Instructor", "Student"], (await DataAsync(AuditKind.SignInConnectionUpdated, connection)).GetProperty("createdUserRole")
            .EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("Student", (await DataAsync(AuditKind.UserCreated, student)).GetProperty("role").GetString());
    }

    [Fact]
    public async Task SignIn_ReplayedCallback_IsRefusedAsExpiredState()
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        app.Provider.SignsIn(client, new("replayed", world.StudentA2.Email));
        var (browser, callback, _) = await app.SignInAsync(connection);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));

        // Someone who captured the callback address replays it in another browser: no correlation cookie, no sign-in.
        var attacker = app.Factory.CreateDefaultClient(new Uri("http://localhost"), new CookieContainerHandler(new CookieContainer()));
        var replay = await attacker.GetAsync(callback.PathAndQuery);
        Assert.Equal($"/sso/{connection}/failed?code=sso_state_invalid", replay.Headers.Location?.ToString());
        Assert.False(await SingleSignOnFixture.IsSignedInAsync(attacker));
        Assert.True(await app.Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e =>
            e.Kind == AuditKind.SingleSignOnFailed && e.OrganizationId == world.A.Id && e.Summary.Contains("sso_state_invalid"))));
    }

    [Fact]
    public async Task SignIn_PersonTheConnectionCannotReach_IsRefusedAndNotLinked()
    {
        var world = await app.NewWorldAsync();
        var root = await app.ClientAsync(world.AdminRoot);
        var (connectionA, clientA) = await app.ConnectAsync(root, world.A.Id);
        var (connectionB, clientB) = await app.OtherProvider.ConnectAsync(root, world.B.Id);
        await app.Factory.WithDbAsync(db => db.Users.Where(u => u.Id == world.StudentA2.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsActive, false)));
        var system = await app.RootAsync();

        // Two organizations, two providers: B's provider cannot sign in A's people, nor anybody above or beside B.
        foreach (var (connection, provider, client, email, code) in new[]
        {
            (connectionB, app.OtherProvider, clientB, world.StudentA1.Email, "sso_user_not_linkable"),
            (connectionA, app.Provider, clientA, world.StudentB1.Email, "sso_user_not_linkable"),
            (connectionA, app.Provider, clientA, world.AdminA.Email, "sso_user_not_linkable"),
            (connectionA, app.Provider, clientA, world.AdminRoot.Email, "sso_user_not_linkable"),
            (connectionA, app.Provider, clientA, system.Email, "sso_user_not_linkable"),
            (connectionA, app.Provider, clientA, world.StudentA2.Email, "sso_user_deactivated"),
        })
        {
            provider.SignsIn(client, new($"sub-{Guid.NewGuid():N}", email));
            var (browser, _, location) = await DbSnapshot.UnchangedAsync(app.Factory, () => app.SignInAsync(connection));
            Assert.True(location == $"/sso/{connection}/failed?code={code}", $"{email}: {location}");
            Assert.False(await SingleSignOnFixture.IsSignedInAsync(browser));
        }

        // Each provider signs in its own organization's people (and those of its suborganizations), as themselves.
        app.Provider.SignsIn(clientA, new("a1x", world.StudentA1x.Email));
        Assert.True(await SingleSignOnFixture.IsSignedInAsync((await app.SignInAsync(connectionA)).Browser));
        app.OtherProvider.SignsIn(clientB, new("b1", world.StudentB1.Email));
        Assert.True(await SingleSignOnFixture.IsSignedInAsync((await app.SignInAsync(connectionB)).Browser));
        // Every refusal above was of a redeemed answer: five at A's provider, one at B's, then one sign-in each.
        Assert.Equal((6, 2), (app.Provider.TokensIssued.GetValueOrDefault(clientA), app.OtherProvider.TokensIssued.GetValueOrDefault(clientB)));
        var links = await app.Factory.WithDbAsync(db => db.ExternalLogins.AsNoTracking()
            .Where(l => l.ConnectionId == connectionA || l.ConnectionId == connectionB).Select(l => new { l.ConnectionId, l.UserId }).ToListAsync());
        Assert.Equal(2, links.Count);
        Assert.Contains(links, l => l.ConnectionId == connectionA && l.UserId == world.StudentA1x.Id);
        Assert.Contains(links, l => l.ConnectionId == connectionB && l.UserId == world.StudentB1.Id);
    }

    [Fact]
    public async Task PasswordSignIn_WhereSingleSignOnIsRequired_IsRefusedOnlyOnceThePasswordIsRight()
    {
        var world = await app.NewWorldAsync();
        await app.ConnectAsync(await app.ClientAsync(world.AdminRoot), world.A.Id, allowPasswords: false);
        var anonymous = app.Factory.CreateClient();

        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1.Email, password = World.Password }))
            .IsProblemAsync(HttpStatusCode.Forbidden, "password_sign_in_disabled");
        // In a suborganization too; a wrong password says nothing of single sign-on.
        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1x.Email, password = World.Password }))
            .IsProblemAsync(HttpStatusCode.Forbidden, "password_sign_in_disabled");
        var wrong = await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1.Email, password = "not-the-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain("single sign-on", await wrong.Content.ReadAsStringAsync());
        // The connected organization's administrator (whom the connection cannot sign in) and people elsewhere keep their passwords.
        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = World.Password })).IsOkAsync<JsonElement>();
        await (await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentB1.Email, password = World.Password })).IsOkAsync<JsonElement>();
        Assert.True(await app.Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e => e.Kind == AuditKind.SignInFailed && e.EntityId == world.StudentA1.Id && e.Summary.Contains("disabled by single sign-on"))));
    }

    [Fact]
    public async Task CreateConnection_ByRoleAndOrganization_OnlyAnAdministratorOfItsScope_RefusalsChangeNothing()
    {
        var world = await app.NewWorldAsync();
        var root = await app.ClientAsync(world.AdminRoot);
        var adminA = await app.ClientAsync(world.AdminA);
        var adminB = await app.ClientAsync(world.AdminB);
        var key = app.Factory.CreateClient();
        var secret = (await (await root.PostJsonAsync("/api/v1/api-keys", new { name = "Everything", organizationId = world.Root.Id,
            permissions = new[] { "post_activity_events", "issue_badges", "read_awards", "manage_rosters" } })).IsOkAsync<JsonElement>(HttpStatusCode.Created))
            .GetProperty("secret").GetString();
        key.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);

        var refused = new (string Who, HttpClient Client, Guid Organization, HttpStatusCode Status, string Code, string Role)[]
        {
            ("AdminA", adminA, world.B.Id, HttpStatusCode.NotFound, "organization_not_found", "student"),
            ("AdminA", adminA, world.Root.Id, HttpStatusCode.NotFound, "organization_not_found", "student"),
            ("AdminB", adminB, world.A.Id, HttpStatusCode.NotFound, "organization_not_found", "student"),
            ("AdminB", adminB, world.A1.Id, HttpStatusCode.NotFound, "organization_not_found", "student"),
            ("AdminRoot", root, world.Contoso.Id, HttpStatusCode.NotFound, "organization_not_found", "student"),
            ("OrgInstructor", await app.ClientAsync(world.OrgInstructor), world.Root.Id, HttpStatusCode.Forbidden, "forbidden", "student"),
            ("StudentA1", await app.ClientAsync(world.StudentA1), world.A.Id, HttpStatusCode.Forbidden, "forbidden", "student"),
            ("API key", key, world.A.Id, HttpStatusCode.Forbidden, "api_key_not_permitted", "student"),
            // Nobody creates a connection that makes administrators: it would outrank whoever set it up.
            ("AdminA", adminA, world.A.Id, HttpStatusCode.BadRequest, "role_not_grantable", "administrator"),
        };
        foreach (var (who, client, organization, status, code, role) in refused)
        {
            var problem = await DbSnapshot.UnchangedAsync(app.Factory, async () => await client.PostJsonAsync("/api/v1/sign-in-connections", new
            {
                organizationId = organization, displayName = "Refused", issuer = app.Provider.Issuer, clientId = "c", clientSecret = "s",
                emailDomains = Array.Empty<string>(), createUsers = true, createdUserRole = role, allowPasswords = true,
            }));
            Assert.True(problem.StatusCode == status, $"{who} on {organization}: {(int)problem.StatusCode} {await problem.Content.ReadAsStringAsync()}");
            await problem.IsProblemAsync(status, code);
        }

        var (ofA, _) = await app.ConnectAsync(root, world.A.Id);
        var (ofA1, _) = await app.ConnectAsync(adminA, world.A1.Id);
        var (ofB, _) = await app.ConnectAsync(adminB, world.B.Id);

        // Each administrator sees the connections of their scope only; teachers and students none.
        async Task<Guid[]> Seen(HttpClient client) => (await (await client.GetAsync("/api/v1/sign-in-connections?pageSize=100")).IsOkAsync<JsonElement>())
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Where(id => id == ofA || id == ofA1 || id == ofB).Order().ToArray();
        Assert.Equal(new[] { ofA, ofA1, ofB }.Order(), await Seen(root));
        Assert.Equal(new[] { ofA, ofA1 }.Order(), await Seen(adminA));
        Assert.Equal([ofB], await Seen(adminB));
        await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync("/api/v1/sign-in-connections")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        // Another organization's connection is unreachable: not read, changed or deleted, and not told apart from none.
        foreach (var call in new Func<Task<HttpResponseMessage>>[]
        {
            () => adminB.GetAsync($"/api/v1/sign-in-connections/{ofA}"),
            () => adminB.PatchJsonAsync($"/api/v1/sign-in-connections/{ofA}", new { allowPasswords = false }),
            () => adminB.DeleteAsync($"/api/v1/sign-in-connections/{ofA}"),
            () => adminA.PatchJsonAsync($"/api/v1/sign-in-connections/{ofB}", new { emailDomains = new[] { "stolen.test" } }),
            () => adminA.GetAsync($"/api/v1/sign-in-connections/{Guid.NewGuid()}"),
        })
        {
            await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await call()).IsProblemAsync(HttpStatusCode.NotFound, "sign_in_connection_not_found"));
        }
        var shown = await (await adminA.GetAsync($"/api/v1/sign-in-connections/{ofA}")).IsOkAsync<JsonElement>();
        Assert.True(shown.GetProperty("hasClientSecret").GetBoolean());
        Assert.DoesNotContain("secret-", shown.GetRawText());
        var stored = await app.Factory.WithDbAsync(db => db.SignInConnections.AsNoTracking().Where(c => c.Id == ofA).Select(c => c.ProtectedClientSecret).SingleAsync());
        Assert.DoesNotContain("secret-", stored);
    }

    [Fact]
    public async Task SignIn_AfterTheConnectionMovesToAnotherProvider_UsesTheNewSettingsWithoutRestart()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var (connection, _) = await app.ConnectAsync(admin, world.A.Id);
        var moved = app.OtherProvider.AddClient(connection);
        await (await admin.PatchJsonAsync($"/api/v1/sign-in-connections/{connection}", new
        {
            issuer = app.OtherProvider.Issuer, clientId = moved, clientSecret = OidcProvider.SecretOf(moved),
        })).IsOkAsync<JsonElement>();

        // The other provider answers only its own client, and redeems codes only with that client's secret.
        app.OtherProvider.SignsIn(moved, new("moved-subject", world.StudentA1.Email));
        Assert.True(await SingleSignOnFixture.IsSignedInAsync((await app.SignInAsync(connection)).Browser));
        Assert.Equal(1, app.OtherProvider.TokensIssued.GetValueOrDefault(moved));
    }

    [Fact]
    public async Task SignIn_ProviderDown_ShowsAndAuditsProviderUnavailable()
    {
        var world = await app.NewWorldAsync();
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var created = await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A.Id, displayName = "Gone", issuer = $"http://127.0.0.1:{port}/gone", clientId = "c", clientSecret = "s",
            emailDomains = Array.Empty<string>(), createUsers = false, createdUserRole = "student", allowPasswords = true,
        })).IsOkAsync<JsonElement>(HttpStatusCode.Created);
        var connection = created.GetProperty("id").GetGuid();

        var start = await app.Factory.CreateClient(new() { AllowAutoRedirect = false }).GetAsync($"/sso/{connection}/start");

        Assert.Equal($"/sso/{connection}/failed?code=sso_provider_unavailable", start.Headers.Location?.ToString());
        Assert.True(await app.Factory.WithDbAsync(db => db.AuditEntries.AnyAsync(e =>
            e.Kind == AuditKind.SingleSignOnFailed && e.OrganizationId == world.A.Id && e.Summary.Contains("sso_provider_unavailable"))));
    }

    [Fact]
    public async Task SignIn_StateOlderThanTheRemoteAuthenticationTimeout_IsRefusedBeforeTheCodeIsRedeemed()
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        var timeout = new OpenIdConnectOptions().RemoteAuthenticationTimeout;

        // The person signs in at the provider, then comes back after the timeout (on Rosette's clock) with cookies still held.
        app.Provider.SignsIn(client, new("late", world.StudentA1.Email));
        var (browser, callback) = await app.BeginAsync(connection);
        app.Clock.Advance(timeout + TimeSpan.FromSeconds(1));
        var location = await DbSnapshot.UnchangedAsync(app.Factory, () => SingleSignOnFixture.ReturnAsync(browser, callback));

        await app.AssertRefusedAsync(browser, connection, world.A.Id, location, "sso_state_invalid");
        Assert.Equal(0, app.Provider.TokensIssued.GetValueOrDefault(client));

        // Within the timeout the same round trip signs in.
        app.Provider.SignsIn(client, new("late", world.StudentA1.Email));
        var (onTime, onTimeCallback) = await app.BeginAsync(connection);
        app.Clock.Advance(timeout - TimeSpan.FromSeconds(5));
        Assert.Equal("/badges", await SingleSignOnFixture.ReturnAsync(onTime, onTimeCallback));
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(onTime));
    }

    [Fact]
    public async Task SignIn_ProviderAnswersAccessDenied_IsShownAuditedAndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        app.Provider.Denies(client);

        var (browser, callback) = await app.BeginAsync(connection);
        Assert.Contains("error=access_denied", callback.Query);
        var location = await DbSnapshot.UnchangedAsync(app.Factory, () => SingleSignOnFixture.ReturnAsync(browser, callback));

        await app.AssertRefusedAsync(browser, connection, world.A.Id, location, "sso_denied");
        Assert.Equal(0, app.Provider.TokensIssued.GetValueOrDefault(client));
    }

    [Fact]
    public async Task SignIn_UnknownPersonWhereTheConnectionCreatesNobody_IsRefusedAsUnknownAndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain], createUsers: false);
        var email = $"nobody@{domain}";

        app.Provider.SignsIn(client, new("nobody", email));
        var (browser, _, location) = await DbSnapshot.UnchangedAsync(app.Factory, () => app.SignInAsync(connection));

        await app.AssertRefusedAsync(browser, connection, world.A.Id, location, "sso_user_unknown");
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignIn_OnePersonsFirstSignInTwiceAtOnce_StoresOneAccountAndSignsInBoth(bool hasAccount)
    {
        var world = await app.NewWorldAsync();
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain], createUsers: true);
        var email = hasAccount ? world.StudentA1.Email : $"twin@{domain}";
        var subject = $"twin-{Guid.NewGuid():N}";
        var flows = new List<(HttpClient Browser, Uri Callback)>();
        for (var i = 0; i < 2; i++)
        {
            app.Provider.SignsIn(client, new(subject, email));
            flows.Add(await app.BeginAsync(connection));
        }

        // Both callbacks have found no link and are looking the email up: then both go on to store the link (and the account).
        // (Held before their writes: SQLite's write transaction would keep the second from reaching a later point.)
        var lookups = app.Gate.HoldEvery(sql => sql.Contains("FROM \"Users\"", StringComparison.Ordinal)
            && sql.Contains("\"NormalizedEmail\" = ", StringComparison.Ordinal));
        var returns = flows.Select(f => Task.Run(() => SingleSignOnFixture.ReturnAsync(f.Browser, f.Callback))).ToList();
        try
        {
            await lookups.ArrivalsAsync(2).Within("both sign-ins to look the email up");
        }
        finally
        {
            app.Gate.ReleaseAll();
        }

        Assert.Equal(["/badges", "/badges"], await Task.WhenAll(returns));
        foreach (var (browser, _) in flows)
        {
            Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
        }
        var normalized = email.ToUpperInvariant();
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized)));
        var link = await app.Factory.WithDbAsync(db => db.ExternalLogins.AsNoTracking().SingleAsync(l => l.ConnectionId == connection));
        Assert.Equal(subject, link.Subject);
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e =>
            e.EntityId == link.UserId && (e.Kind == AuditKind.UserCreated || e.Kind == AuditKind.SingleSignOnLinked))));
    }

    [Fact]
    public async Task SaveConnection_DomainOfAnotherConnectionOrOfPeopleElsewhere_IsRefusedByApiAndPage_AndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var root = await app.ClientAsync(world.AdminRoot);
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var other = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (ofA, _) = await app.ConnectAsync(root, world.A.Id, [domain]);
        var (ofB, _) = await app.OtherProvider.ConnectAsync(root, world.B.Id, [other]);
        // Everybody's address in the World is at rosette.test, in every organization.
        var peoplesDomain = SignInConnection.DomainOf(world.StudentB1.Email)!;

        async Task Refused(Func<Task<HttpResponseMessage>> call, string code) =>
            await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await call()).IsProblemAsync(HttpStatusCode.Conflict, code));
        await Refused(() => root.PatchJsonAsync($"/api/v1/sign-in-connections/{ofB}", new { emailDomains = new[] { other, domain.ToUpperInvariant() } }),
            "email_domain_taken");
        await Refused(() => root.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A1.Id, displayName = "A1", issuer = app.Provider.Issuer, clientId = "c", clientSecret = "s",
            emailDomains = new[] { domain + "." }, createUsers = false, createdUserRole = "student", allowPasswords = true,
        }), "email_domain_taken");
        await Refused(() => root.PatchJsonAsync($"/api/v1/sign-in-connections/{ofA}", new { emailDomains = new[] { domain, peoplesDomain } }),
            "email_domain_in_use");

        // The page says the same in words, keeps what was typed, and stores nothing.
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await page.GetAsync($"/admin/organizations/{world.B.Id}/sign-in");
        foreach (var (domains, error) in new[] { ($"{other}, {domain}", SignInConnectionErrors.DomainTaken), (peoplesDomain, SignInConnectionErrors.DomainInUse) })
        {
            var answer = await DbSnapshot.UnchangedAsync(app.Factory, () => page.PostAsync($"/admin/organizations/{world.B.Id}/sign-in", new Dictionary<string, string>
            {
                ["Input.DisplayName"] = "B", ["Input.Issuer"] = app.OtherProvider.Issuer, ["Input.ClientId"] = "c", ["Input.EmailDomains"] = domains,
                ["Input.CreatedUserRole"] = "Student", ["Input.AllowPasswords"] = "true",
            }));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var html = await answer.Content.ReadAsStringAsync();
            Assert.Contains(HtmlEncoder.Default.Encode(error.Message), html);
            Assert.Contains(HtmlEncoder.Default.Encode(domains), html);
        }
        var kept = await (await root.GetAsync($"/api/v1/sign-in-connections/{ofB}")).IsOkAsync<JsonElement>();
        Assert.Equal([other], kept.GetProperty("emailDomains").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task LoginPage_EmailFirst_GoesByTheDomainOnly_SoItNeverTellsWhetherAnAccountExists()
    {
        var world = await app.NewWorldAsync();
        var root = await app.ClientAsync(world.AdminRoot);
        var connected = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var unconnected = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        foreach (var email in new[] { $"holder@{connected}", $"holder@{unconnected}" })
        {
            await (await root.PostJsonAsync("/api/v1/users", new { email, firstName = "Has", lastName = "Account", organizationId = world.A.Id, role = "student" }))
                .IsOkAsync<JsonElement>(HttpStatusCode.Created);
        }
        var (connection, _) = await app.ConnectAsync(root, world.A.Id, [connected]);

        // Each form, for an address that has an account and one that does not, in the same domain: the same answer but for
        // the address itself, which the page echoes or the provider is given as a hint.
        async Task<string> AnswerAsync(string email, string? handler, string? password)
        {
            var browser = app.NewBrowser();
            var token = TokenPattern().Match(await browser.GetStringAsync("/login")).Groups[1].Value;
            var fields = new Dictionary<string, string> { ["Email"] = email, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token) };
            if (password is not null)
            {
                fields["Password"] = password;
            }
            var answer = await browser.PostAsync(handler is null ? "/login" : $"/login?handler={handler}", new FormUrlEncodedContent(fields));
            var body = answer.Headers.Location?.ToString() ?? await answer.Content.ReadAsStringAsync();
            return $"{(int)answer.StatusCode} " + TokenPattern().Replace(body.Replace(Uri.EscapeDataString(email), "EMAIL").Replace(email, "EMAIL"), "TOKEN");
        }
        foreach (var (domain, handler, password) in new (string, string?, string?)[]
        {
            (connected, null, null), (connected, "SingleSignOn", null), (unconnected, null, null), (unconnected, "SingleSignOn", null),
            (unconnected, null, "not-the-password"), (connected, null, "not-the-password"),
        })
        {
            var holder = await AnswerAsync($"holder@{domain}", handler, password);
            var nobody = await AnswerAsync($"nobody@{domain}", handler, password);
            Assert.Equal(holder, nobody);
            if (domain == connected && password is null)
            {
                Assert.StartsWith($"302 /sso/{connection}", holder);
            }
        }
    }

    [Fact]
    public async Task RemoteSignOut_CrossSiteGetOfAnotherSession_SignsNobodyOut()
    {
        var world = await app.NewWorldAsync();
        var (connection, _) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        using var session = await PageSession.SignInAsync(app.Factory, world.StudentA1);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).Status);

        // Rosette offers providers no front-channel logout: these are no sign-out addresses, with or without a connection.
        foreach (var url in new[] { "/sso/-/sign-out", $"/sso/{connection}/sign-out", $"/sso/{connection}/sign-out?sid=x&iss={Uri.EscapeDataString(app.Provider.Issuer)}" })
        {
            using var answer = await session.GetResponseAsync(url);
            Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{url}: {(int)answer.StatusCode}");
            Assert.False(answer.Headers.Contains("Set-Cookie"), $"{url} set a cookie");
        }
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).Status);
    }

    [Fact]
    public async Task OidcPaths_WithoutAConnectionOrWithAStateNotOurs_AnswerNotFoundOrTheFailurePage_NeverAServerError()
    {
        var world = await app.NewWorldAsync();
        var (connection, _) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id);
        var anonymous = app.NewBrowser();
        async Task<HttpResponseMessage> SendAsync(string method, string url) => method == "GET"
            ? await anonymous.GetAsync(url)
            : await anonymous.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "a", ["state"] = "b" }));

        // The handler's own paths answer like those of an unknown connection.
        foreach (var (method, path) in new[] { ("GET", "callback"), ("POST", "callback"), ("GET", "signed-out?state=x"), ("GET", "sign-out") })
        {
            var unknown = await SendAsync(method, $"/sso/{Guid.NewGuid()}/{path}");
            var none = await SendAsync(method, $"/sso/-/{path}");
            Assert.True(none.StatusCode == unknown.StatusCode, $"{method} /sso/-/{path}: {(int)none.StatusCode}, unknown connection {(int)unknown.StatusCode}");
            Assert.True((int)none.StatusCode is >= 400 and < 500, $"{method} /sso/-/{path}: {(int)none.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("GET", "/sso/-/callback")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("GET", $"/sso/{connection}/signed-out?state=x")).StatusCode);

        // A real connection's callback with a state it never made ends on the failure page.
        foreach (var method in new[] { "GET", "POST" })
        {
            var answer = await SendAsync(method, $"/sso/{connection}/callback" + (method == "GET" ? "?code=a&state=b" : ""));
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            Assert.Equal($"/sso/{connection}/failed?code=sso_state_invalid", answer.Headers.Location?.ToString());
        }
        Assert.False(await SingleSignOnFixture.IsSignedInAsync(anonymous));
    }

    [Fact]
    public async Task SignIn_FirstSignInWithALocalPartLongerThanANameAndNoNameClaims_CreatesThemWithNamesWithinTheLimit()
    {
        var world = await app.NewWorldAsync();
        var domain = $"{Guid.NewGuid():N}"[..12] + ".sso.test";
        var (connection, client) = await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain], createUsers: true);
        var email = $"{new string('l', 230)}@{domain}";

        app.Provider.SignsIn(client, new("long-local-part", email));
        var (browser, _, location) = await app.SignInAsync(connection);

        Assert.Equal("/badges", location);
        Assert.True(await SingleSignOnFixture.IsSignedInAsync(browser));
        var user = await app.Factory.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        Assert.Equal((new string('l', Rosette.Domain.Text.NameMaxLength), "-"), (user.FirstName, user.LastName));
    }

    [Fact]
    public async Task SaveConnection_InternationalizedDomainOfPeopleElsewhere_IsRefusedWhicheverFormEitherUses()
    {
        var world = await app.NewWorldAsync();
        var root = await app.ClientAsync(world.AdminRoot);
        var label = $"{Guid.NewGuid():N}"[..8];
        var unicode = $"bücher-{label}.sso.test";
        var ascii = new System.Globalization.IdnMapping().GetAscii(unicode);
        var (ofA, _) = await app.ConnectAsync(root, world.A.Id);
        // Someone in another organization holds an address in the domain, typed in its Unicode form.
        await (await root.PostJsonAsync("/api/v1/users", new { email = $"bob@{unicode}", firstName = "Bob", lastName = "B", organizationId = world.B.Id, role = "student" }))
            .IsOkAsync<JsonElement>(HttpStatusCode.Created);

        foreach (var claimed in new[] { unicode, ascii, unicode.ToUpperInvariant() })
        {
            await DbSnapshot.UnchangedAsync(app.Factory, async () =>
                await (await root.PatchJsonAsync($"/api/v1/sign-in-connections/{ofA}", new { emailDomains = new[] { claimed } }))
                    .IsProblemAsync(HttpStatusCode.Conflict, "email_domain_in_use"));
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
