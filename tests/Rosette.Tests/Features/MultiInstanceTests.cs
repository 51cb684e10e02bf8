using System.Net;
using System.Net.Http.Headers;
using Rosette.Features.Accounts;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Two app hosts on one database behave as one: a token from one is good at the other, and the dashboard's figures counted
/// by one are the ones the other shows.
/// </summary>
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

    [Fact]
    public async Task DashboardFigures_CountedByOneInstance_AreShownByAnother()
    {
        var world = await app.NewWorldAsync();
        // An hour, so that a slow start of the second host cannot outlast the count.
        await using var second = new RosetteFactory(app.Database, settings: new Dictionary<string, string?> { ["Rosette:Dashboard:FiguresMaxAge"] = "01:00:00" });
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } }))
            .EnsureSuccessStatusCode();
        var counted = await (await admin.GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        var batch = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id } }))
            .IsOkAsync<IssueBadgesResult>();

        var shown = await (await (await second.ClientForAsync(world.AdminRoot)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();

        Assert.Equal((counted.FiguresCountedAt, 1), (shown.FiguresCountedAt, shown.AwardsInPeriod));
        Assert.Equal(batch.Id, shown.RecentBatches[0].Id);
    }
}
