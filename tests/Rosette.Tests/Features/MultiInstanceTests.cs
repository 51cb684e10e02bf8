using System.Net;
using System.Net.Http.Headers;
using Rosette.Features.Accounts;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Two app hosts on one database behave as one: a token from one is good at the other.</summary>
public sealed class MultiInstanceTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Token_IssuedByOneInstance_IsAcceptedByAnother()
    {
        var world = await app.NewWorldAsync();
        await using var second = new RosetteFactory(app.Database);

        var token = await (await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = world.AdminA.Email, password = World.Password }))
            .IsOkAsync<TokenResponse>();
        var client = second.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);

        var response = await client.GetAsync($"/api/v1/organizations/{world.A.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
