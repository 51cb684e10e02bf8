using System.Net;
using Rosette.Features.Achievements;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// What an administrator learns through achievements of what lies outside their scope: A and B are siblings, so B's badges,
/// private courses and students are answered to AdminA exactly like ones that do not exist.
/// </summary>
public sealed class AchievementScopeTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_BadgeOfAnotherOrganization_IsUnknownBadgeLikeARandomId()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var own = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l")))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);

        var random = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), Guid.NewGuid())))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge");
        var created = await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), world.BadgeB.Id)))
                .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge"));
        var patched = await (await adminA.PatchJsonAsync($"{Achieve.Url}/{own.Id}", new { badgeId = world.BadgeB.Id }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge");

        random.HasFieldError("badgeId");
        foreach (var problem in new[] { created, patched })
        {
            problem.HasFieldError("badgeId");
            Assert.Equal($"There is no badge with id '{world.BadgeB.Id}'.", problem.GetProperty("errors").GetProperty("badgeId")[0].GetString());
            Assert.DoesNotContain(world.BadgeB.Name, problem.GetRawText(), StringComparison.Ordinal);
        }
        // In the caller's scope but not for the achievement's organization: still refused with its own code.
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        await (await adminRoot.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), world.BadgeB.Id)))
            .IsProblemAsync(HttpStatusCode.BadRequest, "badge_not_available");
    }
}
