using Microsoft.EntityFrameworkCore;
using Rosette.Domain;
using Rosette.Features.Dashboard;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The dashboard's counted figures (awards per week, top badges, top classes) are counted at most once per
/// <see cref="DashboardOptions.FiguresMaxAge"/> (one minute) per administrator scope and stored for every instance; the
/// last batches and the names are read on every view, in the viewer's scope (decision 0026).
/// </summary>
[Collection(FakeClockGroup.Name)]
public sealed class DashboardFiguresTests(FakeClockFixture app)
{
    private async Task<IssueBadgesResult> IssueAsync(World world, Guid badgeId, params Rosette.Domain.Users.User[] students) =>
        await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { badgeId }, studentIds = students.Select(s => s.Id) })).IsOkAsync<IssueBadgesResult>();

    private async Task<DashboardDto> DashboardAsync(Rosette.Domain.Users.User admin) =>
        await (await (await app.ClientAsync(admin)).GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>();

    [Fact]
    public async Task Figures_AreCountedAgainOnlyAfterTheMaxAge_WhileTheLastBatchesAreLive()
    {
        var world = await app.NewWorldAsync();
        await IssueAsync(world, world.Manual.Id, world.StudentA1, world.StudentA2);
        var first = await DashboardAsync(world.AdminRoot);
        var countedAt = app.Clock.UtcNowSeconds();

        var second = await IssueAsync(world, world.Manual2.Id, world.StudentA1);
        app.Clock.Advance(TimeSpan.FromSeconds(59));
        var cached = await DashboardAsync(world.AdminRoot);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var counted = await DashboardAsync(world.AdminRoot);

        Assert.Equal((countedAt, 2), (first.FiguresCountedAt, first.AwardsInPeriod));
        Assert.Equal((countedAt, 2, 2), (cached.FiguresCountedAt, cached.AwardsInPeriod, cached.AwardsPerWeek.Sum(w => w.Awards)));
        Assert.Equal([(world.Manual.Id, 2)], cached.TopBadges.Select(b => (b.BadgeId, b.Holders)));
        Assert.Equal([(world.Class.Id, 2)], cached.TopClasses.Select(c => (c.ClassId, c.Awards)));
        Assert.Equal(second.Id, cached.RecentBatches[0].Id);
        Assert.Equal((countedAt.AddMinutes(1), 3), (counted.FiguresCountedAt, counted.AwardsInPeriod));
        Assert.Equal([(world.Manual.Id, 2), (world.Manual2.Id, 1)], counted.TopBadges.Select(b => (b.BadgeId, b.Holders)));
        Assert.Equal([(world.Class.Id, 3)], counted.TopClasses.Select(c => (c.ClassId, c.Awards)));
        var stored = await app.Factory.WithDbAsync(db => db.DashboardFigures.AsNoTracking().SingleAsync(f => f.Scope == world.Root.Path));
        Assert.Equal(countedAt.AddMinutes(1), stored.CountedAt);
    }

    [Fact]
    public async Task StoredFigures_ArePerScope_AndShowOnlyWhatTheViewerSeesNow()
    {
        var world = await app.NewWorldAsync();
        await IssueAsync(world, world.Manual.Id, world.StudentA1, world.StudentA2);
        await IssueAsync(world, world.Manual2.Id, world.StudentA1);
        var root = await DashboardAsync(world.AdminRoot);
        var adminB = await DashboardAsync(world.AdminB);
        // Within the minute: Manual2 renamed, and Manual moved to another organization tree.
        (await (await app.ClientAsync(world.AdminRoot)).PatchJsonAsync($"/api/v1/badges/{world.Manual2.Id}", new { name = world.Manual2.Name + " (renamed)" }))
            .EnsureSuccessStatusCode();
        await app.Factory.WithDbAsync(db => db.Badges.Where(b => b.Id == world.Manual.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.OrganizationId, world.Contoso.Id)));
        var again = await DashboardAsync(world.AdminRoot);

        Assert.Equal([world.Manual.Id, world.Manual2.Id], root.TopBadges.Select(b => b.BadgeId));
        Assert.Equal((0, 0), (adminB.AwardsInPeriod, adminB.TopBadges.Count));
        Assert.Equal((root.FiguresCountedAt, root.AwardsInPeriod), (again.FiguresCountedAt, again.AwardsInPeriod));
        Assert.Equal([(world.Manual2.Id, world.Manual2.Name + " (renamed)")], again.TopBadges.Select(b => (b.BadgeId, b.Name)));
        var scopes = await app.Factory.WithDbAsync(db => db.DashboardFigures.AsNoTracking()
            .Where(f => f.Scope == world.Root.Path || f.Scope == world.B.Path).Select(f => f.Scope).ToListAsync());
        Assert.Equal(new[] { world.B.Path, world.Root.Path }.Order(StringComparer.Ordinal), scopes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task UnreadableStoredFigures_AreCountedAgain_AndReplaced()
    {
        var world = await app.NewWorldAsync();
        await IssueAsync(world, world.Manual.Id, world.StudentA1);
        await DashboardAsync(world.AdminRoot);
        await app.Factory.WithDbAsync(db => db.DashboardFigures.Where(f => f.Scope == world.Root.Path)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Counts, "{\"Weeks\":[1,2]}").SetProperty(f => f.CountedAt, f => f.CountedAt.AddSeconds(-1))));

        var dashboard = await DashboardAsync(world.AdminRoot);

        Assert.Equal((1, world.Manual.Id), (dashboard.AwardsInPeriod, Assert.Single(dashboard.TopBadges).BadgeId));
        var stored = await app.Factory.WithDbAsync(db => db.DashboardFigures.AsNoTracking().SingleAsync(f => f.Scope == world.Root.Path));
        Assert.Equal(DashboardHandler.Weeks, CountedFigures.Read(stored.Counts)!.Weeks.Length);
    }

    [Fact]
    public async Task AnAwardDatedAfterTheLastWeek_IsNotCounted_AndTheDashboardStillAnswers()
    {
        var world = await app.NewWorldAsync();
        await IssueAsync(world, world.Manual.Id, world.StudentA1);
        var later = await IssueAsync(world, world.Manual2.Id, world.StudentA1);
        // As another instance whose clock is ahead would date it; a week on is past the last week shown whatever today is.
        await app.Factory.WithDbAsync(db => db.Awards.Where(a => a.Id == later.Issued[0].AwardId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.IssuedAt, a => a.IssuedAt.AddDays(7))));

        var dashboard = await DashboardAsync(world.AdminRoot);

        Assert.Equal((1, 1), (dashboard.AwardsInPeriod, dashboard.AwardsPerWeek[^1].Awards));
    }

    [Fact]
    public async Task ConcurrentFirstViews_OfAScope_AllSucceed_AndStoreOneRow()
    {
        var world = await app.NewWorldAsync();
        await IssueAsync(world, world.Manual.Id, world.StudentA1);
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => app.ClientAsync(world.AdminRoot)));

        var views = await Task.WhenAll(clients.Select(async c => await (await c.GetAsync("/api/v1/dashboard")).IsOkAsync<DashboardDto>()));

        Assert.All(views, v => Assert.Equal(1, v.AwardsInPeriod));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.DashboardFigures.CountAsync(f => f.Scope == world.Root.Path)));
    }
}
