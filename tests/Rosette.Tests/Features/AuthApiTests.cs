using System.Net;
using System.Net.Http.Headers;
using Rosette.Features.Accounts;
using Rosette.Features.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class AuthApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Token_ValidCredentials_IssuesTokenThatCallsTheApi()
    {
        var world = await app.NewWorldAsync();
        var client = app.Factory.CreateClient();

        var response = await client.PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email.ToUpperInvariant(), password = World.Password });
        var token = await response.IsOkAsync<TokenResponse>();

        Assert.True(token.ExpiresAt > DateTime.UtcNow.AddMinutes(50));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        var me = await (await client.GetAsync($"/api/v1/users/{world.AdminA.Id}")).IsOkAsync<UserDto>();
        Assert.Equal(world.AdminA.Email, me.Email);
    }

    [Fact]
    public async Task Token_WrongPasswordOrUnknownEmail_Answers401WithTheSameCode()
    {
        var world = await app.NewWorldAsync();
        var client = app.Factory.CreateClient();

        var wrong = await client.PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = "not-the-password" });
        var unknown = await client.PostJsonAsync("/api/v1/auth/token", new { email = "nobody@rosette.test", password = World.Password });
        var empty = await client.PostJsonAsync("/api/v1/auth/token", new { });

        await wrong.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await unknown.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await empty.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Token_FiveFailuresFromOneAddress_ThenEvenTheRightPasswordWaits()
    {
        var world = await app.NewWorldAsync();
        var client = app.Factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1.Email, password = "wrong-password" });
        }

        var right = await client.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1.Email, password = World.Password });

        // Limited per account and address (429 with Retry-After), for unknown emails alike: see SignInLimitTests.
        await right.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(right.Headers.RetryAfter);
    }

    [Fact]
    public async Task Api_WithoutOrWithBadToken_Answers401Problem()
    {
        var client = app.Factory.CreateClient();
        var anonymous = await client.GetAsync("/api/v1/organizations");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        var forged = await client.GetAsync("/api/v1/organizations");

        await anonymous.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await forged.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Token_UserDeactivatedAfterIssue_StopsWorkingAtOnce()
    {
        var world = await app.NewWorldAsync();
        var student = await app.ClientAsync(world.StudentA2);
        var admin = await app.ClientAsync(world.AdminRoot);
        (await student.GetAsync($"/api/v1/users/{world.StudentA2.Id}")).EnsureSuccessStatusCode();

        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { isActive = false })).EnsureSuccessStatusCode();

        await (await student.GetAsync($"/api/v1/users/{world.StudentA2.Id}")).IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var login = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = World.Password });
        await login.IsProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }
}
