using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Rosette.Features.Accounts;
using Rosette.Features.Users;
using Rosette.Infrastructure.Auth;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Bearer tokens and password reset links stop working when they expire, on the app's clock; forged tokens never work.</summary>
[Collection(FakeClockGroup.Name)]
public sealed class ExpiryTests(FakeClockFixture app)
{
    private HttpClient Bearer(string token)
    {
        var client = app.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task BearerToken_WorksUntilItExpires_ThenAnswers401()
    {
        var world = await app.NewWorldAsync();
        var token = await (await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = World.Password }))
            .IsOkAsync<TokenResponse>();
        var client = Bearer(token.Token);
        var url = $"/api/v1/organizations/{world.A.Id}";

        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime.Add(AuthRegistration.TokenLifetime), token.ExpiresAt, TimeSpan.FromSeconds(1));
        app.Clock.Advance(AuthRegistration.TokenLifetime - TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        await (await client.GetAsync(url)).IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task ForgedBearerTokens_WellFormedButNotOurs_Answer401_AndChangeNothing()
    {
        var world = await app.NewWorldAsync();
        string genuine;
        await using (var scope = app.Factory.Services.CreateAsyncScope())
        {
            genuine = (await scope.ServiceProvider.GetRequiredService<TokenIssuer>().IssueAsync(world.AdminRoot)).Token;
        }
        // The same ticket format, protected with a key ring that is not ours, for a system administrator's claims.
        ClaimsPrincipal principal;
        await using (var scope = app.Factory.Services.CreateAsyncScope())
        {
            var root = await scope.ServiceProvider.GetRequiredService<Rosette.Data.RosetteDb>().Users.SingleAsync(u => u.Email == RosetteFactory.AdminEmail);
            principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<Rosette.Domain.Users.User>>().CreateAsync(root);
        }
        var now = app.Clock.GetUtcNow();
        var foreign = new TicketDataFormat(DataProtectionProvider.Create("Rosette").CreateProtector("Microsoft.AspNetCore.Authentication.BearerToken", IdentityConstants.BearerScheme, "BearerToken"))
            .Protect(new AuthenticationTicket(principal, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now.AddHours(1) }, IdentityConstants.BearerScheme));
        // A genuine token with one character of its ciphertext changed: still base64url of the right length.
        var middle = genuine.Length / 2;
        var tampered = genuine[..middle] + (genuine[middle] == 'A' ? 'B' : 'A') + genuine[(middle + 1)..];

        foreach (var forged in new[] { foreign, tampered })
        {
            var client = Bearer(forged);
            await (await client.GetAsync("/api/v1/organizations")).IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
            await (await client.PostJsonAsync("/api/v1/organizations", new { name = $"Forged {Guid.NewGuid():N}", parentId = world.Root.Id }))
                .IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
        Assert.Equal(HttpStatusCode.OK, (await Bearer(genuine).GetAsync("/api/v1/organizations")).StatusCode);
        Assert.False(await app.Factory.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name.StartsWith("Forged "))));
    }

    [Fact]
    public async Task PasswordResetLink_WorksOnceWithinItsLifespan_AndNotAfter()
    {
        var world = await app.NewWorldAsync();
        var lifespan = AuthRegistration.ResetLinkLifetime;
        async Task<string> LinkTokenAsync()
        {
            // A new token each time: the clock moves past the one-hour life of API tokens.
            var admin = await app.ClientAsync(world.AdminRoot);
            var reset = await (await admin.PostJsonAsync($"/api/v1/users/{world.StudentA1.Id}/password-reset", new { mode = "link" })).IsOkAsync<PasswordResetDto>();
            return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x" + reset.ResetPath).Query)["token"]!;
        }
        Task<HttpResponseMessage> UseAsync(string token, string password) => app.Factory.CreateClient()
            .PostJsonAsync("/api/v1/auth/password-reset", new { userId = world.StudentA1.Id, token, newPassword = password });

        var expiring = await LinkTokenAsync();
        app.Clock.Advance(lifespan + TimeSpan.FromMinutes(1));
        var late = await UseAsync(expiring, "late-password-1");
        var fresh = await LinkTokenAsync();
        app.Clock.Advance(lifespan - TimeSpan.FromMinutes(5));
        var inTime = await UseAsync(fresh, "in-time-password-1");
        var again = await UseAsync(fresh, "again-password-1");

        Assert.Equal(lifespan, app.Factory.Services.GetRequiredService<IOptions<DataProtectionTokenProviderOptions>>().Value.TokenLifespan);
        await late.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        Assert.Equal(HttpStatusCode.NoContent, inTime.StatusCode);
        await again.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_reset_link");
        var signIn = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA1.Email, password = "in-time-password-1" });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }
}
