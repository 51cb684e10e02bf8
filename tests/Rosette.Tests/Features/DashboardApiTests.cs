using System.Net;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class DashboardApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Dashboard_CountsTheScopesAwardsBatchesAndFailures()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.ContractInstructor);
        (await instructor.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new
        {
            badgeIds = new[] { world.Manual.Id, world.Archived.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentB1.Id },
        })).EnsureSuccessStatusCode();
        var second = await (await instructor.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new
        {
            badgeIds = new[] { world.Manual.Id, world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id },
        })).IsOkAsync<IssueBadgesResult>();

        var root = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        var adminB = await (await (await app.ClientAsync(world.AdminB)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();

        Assert.Equal(DashboardHandler.Weeks, root.AwardsPerWeek.Count);
        Assert.Equal(4, root.AwardsInPeriod);
        Assert.Equal(4, root.AwardsPerWeek[^1].Awards);
        Assert.Equal(DayOfWeek.Monday, root.AwardsPerWeek[0].WeekStart.DayOfWeek);
        Assert.Equal([(world.Manual.Id, 3), (world.Manual2.Id, 1)], root.TopBadges.Select(b => (b.BadgeId, b.Holders)));
        Assert.Equal((world.Class.Id, 4), (Assert.Single(root.TopClasses).ClassId, root.TopClasses[0].Awards));
        Assert.Equal([second.Id], root.RecentBatches.Take(1).Select(b => b.Id));
        Assert.Equal((1, 1), (root.RecentBatches[0].Issued, root.RecentBatches[0].Failed));
        Assert.Equal([("badge_archived", 3), ("already_earned", 1)], root.RecentFailures.Select(f => (f.Code, f.Count)));
        Assert.Equal(0, adminB.AwardsInPeriod);
        Assert.Empty(adminB.RecentBatches);
        await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync("/api/v1/dashboard")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task RecentBatches_OfACourseAssignment_AreShownInTheCoursesScopeOnly()
    {
        var world = await app.NewWorldAsync();
        (await (await app.ClientAsync(world.ContractInstructor)).PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } })).EnsureSuccessStatusCode();
        var course = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}/badge-issuances",
            new { badgeId = world.Manual.Id })).IsOkAsync<IssueBadgesResult>();

        var root = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();
        var adminB = await (await (await app.ClientAsync(world.AdminB)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();

        Assert.Equal((course.Id, (Guid?)null, (string?)null, 1), (root.RecentBatches[0].Id, root.RecentBatches[0].ClassId, root.RecentBatches[0].ClassName, root.RecentBatches[0].Issued));
        Assert.Equal(2, root.RecentBatches.Count);
        Assert.Empty(adminB.RecentBatches);
    }
}
