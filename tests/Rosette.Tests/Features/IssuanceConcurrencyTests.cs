using Microsoft.EntityFrameworkCore;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The earn-once rule holds under concurrency: the database's partial unique index decides every race.</summary>
public sealed class IssuanceConcurrencyTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task IssueBadges_32ConcurrentIdenticalRequests_GiveExactlyOneAward()
    {
        var world = await app.NewWorldAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => app.ClientAsync(world.AdminRoot)));
        var body = new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } };

        var responses = await Task.WhenAll(clients.Select(c => c.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body)));
        var results = await Task.WhenAll(responses.Select(r => r.IsOkAsync<IssueBadgesResult>()));

        Assert.Equal(1, results.Sum(r => r.Issued.Count));
        Assert.Equal(31, results.Count(r => r.Failed.SingleOrDefault()?.Code == "already_earned"));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.StudentId == world.StudentA1.Id && a.BadgeId == world.Manual.Id)));
    }

    [Fact]
    public async Task IssueBadges_ConcurrentRequestsWithOneIdempotencyKey_GiveOneBatch_AndTheSameAnswer()
    {
        var world = await app.NewWorldAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.ClientAsync(world.AdminRoot)));
        var key = Guid.NewGuid().ToString();
        var students = world.ClassStudents.Select(s => s.Id).ToArray();

        var responses = await Task.WhenAll(clients.Select(c => c.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/v1/classes/{world.Class.Id}/badge-issuances")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { badgeIds = new[] { world.Manual.Id, world.Manual2.Id }, studentIds = students }),
            Headers = { { "Idempotency-Key", key } },
        })));
        var results = await Task.WhenAll(responses.Select(r => r.IsOkAsync<IssueBadgesResult>()));

        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.All(results, r => Assert.Equal(results[0].Issued.Select(i => i.AwardId).Order(), r.Issued.Select(i => i.AwardId).Order()));
        Assert.All(results, r => Assert.Empty(r.Failed));
        Assert.Equal(8, results[0].Issued.Count);
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.IssuanceBatches.CountAsync(b => b.IdempotencyKey == key)));
        Assert.Equal(8, await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => students.Contains(a.StudentId))));
    }

    [Fact]
    public async Task IssueBadges_TwoHostsOnOneDatabase_OverlappingBatches_NoDuplicatesAndConsistentResults()
    {
        var world = await app.NewWorldAsync();
        await using var second = new RosetteFactory(app.Database);
        var one = await app.ClientAsync(world.AdminRoot);
        var two = await second.ClientForAsync(world.AdminRoot);
        var students = world.ClassStudents.Select(s => s.Id).ToArray();
        var badges = new[] { world.Manual.Id, world.Manual2.Id };

        var requests = Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? one : two).PostJsonAsync(
            $"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = i % 3 == 0 ? badges : badges.Take(1).ToArray(), studentIds = students.Skip(i % 2).ToArray() }));
        var results = await Task.WhenAll((await Task.WhenAll(requests)).Select(r => r.IsOkAsync<IssueBadgesResult>()));

        var awards = await app.Factory.WithDbAsync(db => db.Awards.Where(a => students.Contains(a.StudentId)).ToListAsync());
        Assert.Equal(8, awards.Count);
        Assert.Equal(awards.Count, awards.Select(a => (a.BadgeId, a.StudentId)).Distinct().Count());
        var reportedIssued = results.SelectMany(r => r.Issued).ToList();
        Assert.Equal(awards.Select(a => a.Id).Order(), reportedIssued.Select(i => i.AwardId).Order());
        Assert.All(results.SelectMany(r => r.Failed), f => Assert.Equal("already_earned", f.Code));
    }
}
