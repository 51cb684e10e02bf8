using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Features.Issuance;
using Rosette.Tests.Features.Lifecycle;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Data;

/// <summary>
/// The dashboard's tallies (Data/AwardTallies.cs) equal their recount over the awards after every kind of write to the
/// awards, whichever path makes it: batches, course assignments, achievements, revocation, renewal, and raw SQL that
/// moves or deletes an award (the product deletes none: every reference to an award's parents restricts).
/// </summary>
public sealed class AwardTallyTests(LifecycleFixture app) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task Tallies_AfterEveryKindOfAwardWrite_EqualTheRecount()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 10, renewalWindowDays: 30);
        var admin = await app.AdminAsync(world);

        var batch = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id, world.StudentA2.Id, world.StudentA1x.Id);
        Assert.Equal(3, batch.Issued.Count);
        await AssertTalliesExactAsync(world, "batch", expectedRows: 1);

        Assert.Single((await (await admin.PostJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}/badge-issuances", new { badgeId = world.Manual2.Id }))
            .IsOkAsync<IssueBadgesResult>()).Issued);
        await AssertTalliesExactAsync(world, "course assignment", expectedRows: 2);

        var automatic = (await app.IssueAutomaticallyAsync(world.BadgeB.Id, world.StudentB1.Id)).AwardId;
        await AssertTalliesExactAsync(world, "achievement", expectedRows: 3);

        // A batch lists its awards in its canonical order (badge, then student id), not in the order asked: pick A1's.
        var revoked = batch.Issued.Single(i => i.StudentId == world.StudentA1.Id).AwardId;
        (await admin.PostJsonAsync($"/api/v1/awards/{revoked}/revocation", new { reason = "Issued by mistake" })).EnsureSuccessStatusCode();
        await AssertTalliesExactAsync(world, "revocation", expectedRows: 3);

        // A day later: A2's renewal keeps its award's issue day; A1's award, issued again after the revocation, counts on the new day.
        app.Clock.Advance(TimeSpan.FromDays(1));
        var again = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id, world.StudentA2.Id);
        Assert.Equal((1, 1), (again.Issued.Count, again.Renewed.Count));
        await AssertTalliesExactAsync(world, "renewal and issue again", expectedRows: 4);

        // Paths the product does not take today, which the triggers count all the same: an award moved to another class
        // and revoked in one statement, an award deleted.
        await app.Factory.WithDbAsync(async db =>
        {
            var moved = batch.Issued.Single(i => i.StudentId == world.StudentA1x.Id).AwardId;
            await db.Awards.Where(a => a.Id == moved).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.ClassId, world.OtherClass.Id).SetProperty(a => a.RevokedAt, DateTime.UtcNow));
            await db.Awards.Where(a => a.Id == automatic).ExecuteDeleteAsync();
        });
        await AssertTalliesExactAsync(world, "raw update and delete", expectedRows: 4);
    }

    [Fact]
    public async Task Tallies_ConcurrentBatchesOnTheSameTallyRows_LoseNoCount()
    {
        var world = await app.NewWorldAsync();
        var badges = new[] { world.Manual.Id, world.Manual2.Id };
        // Both batches add to the same two tallies (the two badges, the class, today), from two hosts, several times.
        var students = world.ClassStudents.Select(s => s.Id).ToList();
        for (var round = 0; round < 3; round++)
        {
            var first = await app.ClientAsync(world.AdminRoot);
            var second = await app.Second.ClientForAsync(world.AdminRoot);
            var results = await Task.WhenAll(
                Issue(first, badges, students.Take(2)), Issue(second, badges.Reverse(), students.Skip(2)));
            Assert.All(results, r => Assert.Equal((4, 0), (r.Issued.Count, r.Failed.Count)));
            await app.Factory.WithDbAsync(db => db.Awards.Where(a => badges.Contains(a.BadgeId) && a.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.RevokedAt, DateTime.UtcNow)));
        }

        var tallies = await app.Factory.WithDbAsync(db => db.AwardTallies.Where(t => badges.Contains(t.BadgeId)).ReadAsync(CancellationToken.None));
        Assert.Equal([12, 12], tallies.Select(t => t.Issued));
        Assert.Equal([12, 12], tallies.Select(t => t.Revoked));
        await AssertTalliesExactAsync(world, "concurrent batches", expectedRows: 2);

        async Task<IssueBadgesResult> Issue(HttpClient client, IEnumerable<Guid> badgeIds, IEnumerable<Guid> studentIds) =>
            await (await client.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds, studentIds }))
                .IsOkAsync<IssueBadgesResult>();
    }

    /// <summary>The world's tallies, row for row, against the recount of its awards (its badges are its own).</summary>
    private async Task AssertTalliesExactAsync(World world, string step, int expectedRows)
    {
        Guid[] badges = [world.Manual.Id, world.Manual2.Id, world.NoManual.Id, world.Archived.Id, world.BadgeB.Id];
        var (tallies, recount) = await app.Factory.WithDbAsync(async db => (
            await db.AwardTallies.Where(t => badges.Contains(t.BadgeId)).ReadAsync(CancellationToken.None),
            await db.Awards.Where(a => badges.Contains(a.BadgeId)).RecountAsync(CancellationToken.None)));
        Assert.True(recount.Count == expectedRows, $"{step}: the recount has {recount.Count} rows, not {expectedRows}");
        Assert.True(recount.SequenceEqual(tallies), $"{step}: tallies {string.Join("; ", tallies)} but recount {string.Join("; ", recount)}");
    }
}
