using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Security;

/// <summary>
/// Sign-in against an attacker (issue 14, item 3): limits per address and per account answering 429 with Retry-After, a
/// locked account indistinguishable from a wrong password, no lockout of anyone from one address, and a bounded audit log.
/// Each test signs in from addresses of its own (documentation ranges, behind the fixture's known proxy).
/// </summary>
public sealed partial class SignInLimitTests(SecurityFixture app) : IClassFixture<SecurityFixture>
{
    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string email, string password) =>
        client.PostJsonAsync("/api/v1/auth/token", new { email, password });

    [Fact]
    public async Task Token_RepeatedFailuresOnOneAccount_Answer429WithRetryAfter_ForRealAndUnknownEmailsAlike()
    {
        var world = await app.NewWorldAsync();
        var unknown = $"nobody.{Guid.NewGuid():N}@rosette.test";
        using var first = app.From("198.51.100.11");
        using var second = app.From("198.51.100.12");

        for (var i = 0; i < 3; i++)
        {
            await (await TokenAsync(first, world.StudentA1.Email, "wrong-password")).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            await (await TokenAsync(second, unknown, "wrong-password")).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        var real = await TokenAsync(first, world.StudentA1.Email, World.Password);
        var fake = await TokenAsync(second, unknown, World.Password);

        var realProblem = await real.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var fakeProblem = await fake.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(real.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        Assert.True(fake.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        Assert.Equal(realProblem.GetProperty("detail").GetString(), fakeProblem.GetProperty("detail").GetString());
    }

    /// <summary>
    /// The spellings of one address count against its one limit: an internationalized domain's ASCII and Unicode forms
    /// (RFC 5891 section 4), in any case, are the same account (<c>EmailAddress.Normalize</c>).
    /// </summary>
    [Fact]
    public async Task Token_FailuresInEverySpellingOfOneAddress_CountTogether()
    {
        var local = $"nobody.{Guid.NewGuid():N}";
        using var client = app.From("198.51.100.81");

        foreach (var spelling in new[] { $"{local}@xn--bcher-kva.example", $"{local}@XN--BCHER-KVA.EXAMPLE", $"{local}@bücher.example" })
        {
            await (await TokenAsync(client, spelling, "wrong-password")).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await (await TokenAsync(client, $"{local}@BÜCHER.example", "wrong-password")).IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Token_ManyRequestsFromOneAddress_Answer429_AndOnlyAKnownProxyNamesAnotherAddress()
    {
        using var flooder = app.From("198.51.100.21");
        for (var i = 0; i < 6; i++)
        {
            await (await TokenAsync(flooder, $"spray{i}.{Guid.NewGuid():N}@rosette.test", "guess")).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        var limited = await TokenAsync(flooder, $"spray.{Guid.NewGuid():N}@rosette.test", "guess");
        using var neighbour = app.From("198.51.100.22");
        var notLimited = await TokenAsync(neighbour, $"other.{Guid.NewGuid():N}@rosette.test", "guess");

        await limited.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await notLimited.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        // Straight from a peer that is not a known proxy, X-Forwarded-For is not believed: a new value per request changes nothing.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var spoofing = app.From($"192.0.2.{i + 1}", peer: "203.0.113.50");
            statuses.Add((await TokenAsync(spoofing, $"s{i}.{Guid.NewGuid():N}@rosette.test", "guess")).StatusCode);
        }
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 6), HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task OneAddress_CannotLockAnyoneOut_AndALockedAccountAnswersExactlyLikeAWrongPassword()
    {
        var world = await app.NewWorldAsync();
        using var attacker = app.From("198.51.100.31");
        for (var i = 0; i < 10; i++)
        {
            await TokenAsync(attacker, world.StudentA2.Email, "wrong-password");
        }
        using var victim = app.From("198.51.100.32");
        (await TokenAsync(victim, world.StudentA2.Email, World.Password)).EnsureSuccessStatusCode();

        // Four failures in a row from several addresses lock the account itself (the fixture's AccountLockoutFailures).
        using var second = app.From("198.51.100.33");
        for (var i = 0; i < 3; i++)
        {
            await TokenAsync(second, world.StudentA2.Email, "wrong-password");
        }
        using var third = app.From("198.51.100.34");
        await TokenAsync(third, world.StudentA2.Email, "wrong-password");
        Assert.NotNull(await app.Factory.WithDbAsync(db => db.Users.Where(u => u.Id == world.StudentA2.Id).Select(u => u.LockoutEnd).SingleAsync()));
        var lockout = await app.Factory.WithDbAsync(db => db.AuditEntries.SingleAsync(e => e.Kind == AuditKind.LockedOut && e.EntityId == world.StudentA2.Id));
        Assert.Equal(world.A.Id, lockout.OrganizationId);

        using var fourth = app.From("198.51.100.35");
        var verifiedBefore = app.Hasher.Verified;
        var locked = await TokenAsync(fourth, world.StudentA2.Email, World.Password);
        var verifiedByLocked = app.Hasher.Verified - verifiedBefore;
        var lockedAgain = await TokenAsync(fourth, world.StudentA2.Email, World.Password);
        var wrong = await TokenAsync(fourth, world.StudentA1.Email, "wrong-password");

        var lockedProblem = await locked.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var wrongProblem = await wrong.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await lockedAgain.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(Without(wrongProblem, "traceId"), Without(lockedProblem, "traceId"));
        Assert.Equal(1, verifiedByLocked); // the same work as a wrong password: one hash verified
        var lockedEntries = await app.Factory.WithDbAsync(db => db.AuditEntries
            .CountAsync(e => e.Kind == AuditKind.SignInFailed && e.EntityId == world.StudentA2.Id && e.Summary.EndsWith("account locked")));
        Assert.Equal(1, lockedEntries); // repeated attempts on a locked account are recorded once per window
    }

    [Fact]
    public async Task UnknownEmailFailures_AreAuditedOncePerWindow_WhateverTheAddresses()
    {
        var unknown = $"ghost.{Guid.NewGuid():N}@rosette.test";
        for (var i = 0; i < 4; i++)
        {
            using var client = app.From($"198.51.100.{41 + i}");
            await (await TokenAsync(client, unknown, "guess")).IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Kind == AuditKind.SignInFailed && e.Summary.Contains(unknown)));

        Assert.Equal(1, entries);
    }

    [Fact]
    public async Task PasswordResetCompletion_IsLimitedPerLinkAndAddress()
    {
        var world = await app.NewWorldAsync();
        using var client = app.From("198.51.100.51");
        var body = new { userId = world.StudentA1.Id, token = "guessed-token", newPassword = "a-long-new-password" };

        for (var i = 0; i < 3; i++)
        {
            await (await client.PostJsonAsync("/api/v1/auth/password-reset", body)).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        }
        var limited = await client.PostJsonAsync("/api/v1/auth/password-reset", body);

        await limited.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task LoginPage_AfterTheLimit_ShowsTheFormsMessageWith429()
    {
        var world = await app.NewWorldAsync();
        using var client = app.From("198.51.100.61");
        var token = VerificationToken().Match(await client.GetStringAsync("/login")).Groups[1].Value;

        async Task<HttpResponseMessage> LogInAsync(string password) => await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("Email", world.StudentA1.Email), new("Password", password), new("__RequestVerificationToken", WebUtility.HtmlDecode(token))]));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await LogInAsync("wrong-password")).StatusCode);
        }
        var limited = await LogInAsync(World.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many attempts", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BehindTheKnownTlsProxy_CookiesAreSecureAndHstsIsSent_ButNotForAnyoneElse()
    {
        var world = await app.NewWorldAsync();

        var viaProxy = await LogInAsync(app.From("198.51.100.71", scheme: "https"), world.AdminA.Email);
        var spoofed = await LogInAsync(app.From("198.51.100.72", peer: "203.0.113.60", scheme: "https"), world.AdminB.Email);

        Assert.Equal(HttpStatusCode.Redirect, viaProxy.StatusCode);
        Assert.Contains(viaProxy.Headers.GetValues("Set-Cookie"), c => c.StartsWith("rosette.auth=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.True(viaProxy.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal(HttpStatusCode.Redirect, spoofed.StatusCode);
        Assert.DoesNotContain(spoofed.Headers.GetValues("Set-Cookie"), c => c.StartsWith("rosette.auth=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        Assert.False(spoofed.Headers.Contains("Strict-Transport-Security"));

        static async Task<HttpResponseMessage> LogInAsync(HttpClient client, string email)
        {
            var token = VerificationToken().Match(await client.GetStringAsync("/login")).Groups[1].Value;
            return await client.PostAsync("/login", new FormUrlEncodedContent(
                [new("Email", email), new("Password", World.Password), new("__RequestVerificationToken", WebUtility.HtmlDecode(token))]));
        }
    }

    private static string Without(JsonElement problem, string member) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != member).ToDictionary(p => p.Name, p => p.Value.ToString()));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}
