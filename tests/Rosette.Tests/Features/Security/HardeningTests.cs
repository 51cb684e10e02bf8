using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Rosette.Data;
using Rosette.Features.Notifications;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>The smaller findings of issue 14 (item 6): paging overflow, caching of private answers, file modes, the bootstrap password.</summary>
public sealed class HardeningTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task ApiException_Is500ProblemJsonWithoutDetail_AndItsErrorLogNamesTheRequestsPath()
    {
        using var client = app.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{RosetteFactory.FailingApiPath}?attempt={Guid.NewGuid():N}");
        request.Headers.TryAddWithoutValidation("Accept", "text/html");

        using var response = await client.SendAsync(request);

        var problem = await response.IsProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        Assert.DoesNotContain(RosetteFactory.FailureSecret, problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", problem.GetRawText(), StringComparison.Ordinal);
        // One Error, with the exception, naming the path the client asked for: the exception handler has already moved the
        // request to its own path (/error) when the handler logs, and an operator looking for the failing endpoint found that.
        var logged = Assert.Single(app.Logs.Lines, l => l.Contains("Unhandled exception on GET", StringComparison.Ordinal));
        Assert.StartsWith($"Error Rosette.Infrastructure.Http.ProblemExceptionHandler: Unhandled exception on GET {RosetteFactory.FailingApiPath} ", logged, StringComparison.Ordinal);
        Assert.Contains($"InvalidOperationException: A deliberate failure: {RosetteFactory.FailureSecret}", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paging_PastTheLastAddressablePage_Answers400_OnEveryList()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        foreach (var list in new[] { "/api/v1/users", "/api/v1/organizations", "/api/v1/classes", "/api/v1/badges", "/api/v1/audit-entries",
            $"/api/v1/classes/{world.Class.Id}/roster", "/api/v1/badge-providers", "/api/v1/awards" })
        {
            (await (await admin.GetAsync($"{list}?page=2147483647")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("page");
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await session.GetAsync("/admin/users?page=2147483647")).Status);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/admin/users?page=2")).Status);
    }

    [Fact]
    public async Task TokensAndPersonalData_AreNeverStored()
    {
        var world = await app.NewWorldAsync();
        var token = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = World.Password });
        var user = await (await app.ClientAsync(world.AdminA)).GetAsync($"/api/v1/users/{world.StudentA1.Id}");
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminA);
        using var users = await session.GetResponseAsync("/admin/users");
        using var roster = await session.GetResponseAsync($"/classes/{world.Class.Id}/roster");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (token.StatusCode, user.StatusCode, users.StatusCode));
        Assert.True(token.Headers.CacheControl?.NoStore, "token");
        Assert.True(user.Headers.CacheControl?.NoStore, "user");
        Assert.True(users.Headers.CacheControl?.NoStore, "users page");
        Assert.True(roster.Headers.CacheControl?.NoStore, "roster page");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task WhatRosetteCreatesUnderData_IsForItsOwnUserOnly()
    {
        var data = Path.Combine(Path.GetTempPath(), "rosette-tests", $"data-{Guid.NewGuid():N}");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Rosette"] = $"Data Source={data}/db/rosette.db",
                ["Rosette:DataProtection:CertificatePath"] = $"{data}/keys/dataprotection.pfx",
            }).Build();
            new ServiceCollection().AddRosetteDatabase(configuration);
            new ServiceCollection().AddRosetteDataProtection(configuration);
            await using (var mail = new MailDelivery(new SmtpSettings(), new MailSettings { Directory = $"{data}/mail" }).Open())
            {
                var message = new MimeMessage { Subject = "Private", Body = new TextPart("plain") { Text = "A student's award." } };
                message.From.Add(MailboxAddress.Parse("rosette@example.com"));
                message.To.Add(MailboxAddress.Parse("student@example.com"));
                await mail.SendAsync(message, "award-1", CancellationToken.None);
            }

            foreach (var folder in new[] { "db", "keys", "mail" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(data, folder)));
            }
            foreach (var file in new[] { "db/rosette.db", "keys/dataprotection.pfx", "mail/award-1.eml" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, file)));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Bootstrap_APasswordBreakingThePasswordRules_StopsTheStart()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new RosetteFactory(database, settings: new Dictionary<string, string?> { ["Rosette:Bootstrap:AdminPassword"] = "short" });

        var failure = Record.Exception(factory.StartServer);

        // The entry point reports the StartupException in one line and returns 1, so the test host only sees that the start
        // failed; the line itself is CommandLineTests.Serve_InvalidBootstrapAdministrator_NamesTheSettingNotThePassword's.
        Assert.NotNull(failure);
    }

    [Fact]
    public async Task LoggingOut_EndsThatSessionForACopyOfItsCookieToo_ButNotTheUsersOtherSessions()
    {
        var world = await app.NewWorldAsync();
        var browser = await LogInAsync(world.StudentA1.Email);
        var other = await LogInAsync(world.StudentA1.Email);
        var cookie = browser.Cookies.GetCookies(new Uri("http://localhost"))["rosette.auth"]!.Value;
        using var copy = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        copy.DefaultRequestHeaders.Add("Cookie", $"rosette.auth={cookie}");
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/my/badges")).StatusCode);
        Assert.Equal(2, await SessionsAsync());

        var token = Token(await browser.Client.GetStringAsync("/logout"));
        var loggedOut = await browser.Client.PostAsync("/logout", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

        Assert.Equal(HttpStatusCode.Redirect, loggedOut.StatusCode);
        Assert.Contains("/login?ReturnUrl=", (await copy.GetAsync("/my/badges")).Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Contains("/login?ReturnUrl=", (await browser.Client.GetAsync("/my/badges")).Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await other.Client.GetAsync("/my/badges")).StatusCode);
        Assert.Equal(1, await SessionsAsync());
        // The table holds the key's hash, never the key itself.
        Assert.DoesNotContain(await app.Factory.WithDbAsync(db => db.SignInSessions.Select(s => s.Id).ToListAsync()), id => cookie.Contains(id, StringComparison.Ordinal));

        Task<int> SessionsAsync() => app.Factory.WithDbAsync(db => db.SignInSessions.CountAsync(s => s.UserId == world.StudentA1.Id));
    }

    private async Task<(HttpClient Client, CookieContainer Cookies)> LogInAsync(string email)
    {
        var cookies = new CookieContainer();
        var client = app.Factory.CreateDefaultClient(new CookieContainerHandler(cookies));
        var token = Token(await client.GetStringAsync("/login"));
        var answer = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("Email", email), new("Password", World.Password), new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        return (client, cookies);
    }

    private static string Token(string html) =>
        WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
}
