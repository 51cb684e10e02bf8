using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Lifecycle;

/// <summary>Renewal keeps "earn once": an expired award, or one within its badge's renewal window, is renewed, never issued twice.</summary>
public sealed class RenewalTests(LifecycleFixture app) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task IssueBadges_AwardWithinRenewalWindow_IsRenewedWithANewCredentialAndTheOldOneSuperseded()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 10, renewalWindowDays: 3);
        var issuedAt = app.Clock.GetUtcNow().UtcDateTime;
        var award = Assert.Single((await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id)).Issued);
        var publicClient = app.Factory.CreateClient();
        var first = JsonNode.Parse(await publicClient.GetStringAsync($"/credentials/{award.AwardId}.json"))!;

        // Still valid, outside the window: already earned, and the message says until when.
        var early = Assert.Single((await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id)).Failed);
        Assert.Equal("already_earned", early.Code);
        Assert.Contains($"valid until {issuedAt.AddDays(10):yyyy-MM-dd}", early.Message, StringComparison.Ordinal);

        app.Clock.Advance(TimeSpan.FromDays(8));
        var result = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id);

        var renewed = Assert.Single(result.Renewed);
        Assert.Empty(result.Issued);
        Assert.Empty(result.Failed);
        Assert.Null(result.Warning);
        Assert.Equal(award.AwardId, renewed.AwardId);
        Assert.NotEqual(award.AwardId, renewed.CredentialId);
        // Renewed early, it runs on from the old expiry: no days lost.
        Assert.Equal(Seconds(issuedAt).AddDays(20), renewed.ExpiresAt);
        var awards = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().Where(a => a.BadgeId == world.Manual.Id && a.StudentId == world.StudentA1.Id).ToListAsync());
        var row = Assert.Single(awards);
        Assert.Equal((renewed.CredentialId, renewed.ExpiresAt), (row.CredentialId, row.ExpiresAt));

        // OB 3.0: a new id, validFrom and validUntil; awardedDate keeps the original date; the renewed credential is named as evidence.
        var current = JsonNode.Parse(await publicClient.GetStringAsync($"/credentials/{renewed.CredentialId}.json"))!;
        Assert.Equal($"urn:uuid:{renewed.CredentialId}", (string)current["id"]!);
        Assert.Equal(Timestamp(renewed.RenewedAt), (string)current["validFrom"]!);
        Assert.Equal(Timestamp(renewed.ExpiresAt!.Value), (string)current["validUntil"]!);
        Assert.Equal((string)first["validFrom"]!, (string)current["awardedDate"]!);
        Assert.EndsWith($"/credentials/{award.AwardId}", (string)current["evidence"]![0]!["id"]!, StringComparison.Ordinal);
        Assert.NotEqual((string)first["credentialStatus"]!["statusListIndex"]!, (string)current["credentialStatus"]!["statusListIndex"]!);
        // The superseded credential is still served as it was signed, and its page says it was renewed, not revoked.
        Assert.Equal(first.ToJsonString(), JsonNode.Parse(await publicClient.GetStringAsync($"/credentials/{award.AwardId}.json"))!.ToJsonString());
        var page = await publicClient.GetStringAsync($"/credentials/{award.AwardId}");
        Assert.Contains("Superseded", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Revoked", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueBadges_ConcurrentRenewalsOfOneAward_RenewItOnce()
    {
        var world = await app.NewWorldAsync();
        // A window shorter than the validity: once renewed, the award is outside it, so a late request cannot renew it again.
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 5, renewalWindowDays: 1);
        Assert.Single((await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Issued);
        app.Clock.Advance(TimeSpan.FromDays(6));

        var clients = new List<HttpClient>();
        foreach (var host in app.Hosts)
        {
            for (var i = 0; i < 3; i++)
            {
                clients.Add(await host.ClientForAsync(world.AdminRoot));
            }
        }
        var results = await Task.WhenAll(clients.Select(async c =>
            await (await c.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } }))
                .IsOkAsync<IssueBadgesResult>()));

        Assert.Equal(1, results.Sum(r => r.Renewed.Count));
        Assert.All(results.Where(r => r.Renewed.Count == 0), r => Assert.Equal("already_earned", Assert.Single(r.Failed).Code));
        Assert.Empty(results.SelectMany(r => r.Issued));
        var (awards, renewals) = await app.Factory.WithDbAsync(async db => (
            await db.Awards.CountAsync(a => a.BadgeId == world.Manual.Id && a.StudentId == world.StudentA2.Id),
            await db.AwardRenewals.CountAsync(r => r.BadgeId == world.Manual.Id && r.StudentId == world.StudentA2.Id)));
        Assert.Equal((1, 1), (awards, renewals));
    }

    [Fact]
    public async Task CourseAssignmentAndAchievements_ExpiredAward_AreRenewedNotIssuedAgain()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 5);
        await app.SetLifecycleAsync(world, world.Manual2.Id, validityDays: 5);
        var admin = await app.AdminAsync(world);
        var assignment = $"/api/v1/course-assignments/{world.Assignment.Id}/badge-issuances";
        Assert.Single((await (await admin.PostJsonAsync(assignment, new { badgeId = world.Manual.Id })).IsOkAsync<IssueBadgesResult>()).Issued);
        var automatic = await app.IssueAutomaticallyAsync(world.Manual2.Id, world.StudentA1.Id);
        app.Clock.Advance(TimeSpan.FromDays(6));
        admin = await app.AdminAsync(world);

        var renewed = await (await admin.PostJsonAsync(assignment, new { badgeId = world.Manual.Id })).IsOkAsync<IssueBadgesResult>();
        var again = await app.IssueAutomaticallyAsync(world.Manual2.Id, world.StudentA1.Id);

        Assert.Equal(world.StudentA1.Id, Assert.Single(renewed.Renewed).StudentId);
        Assert.Equal(automatic, again);
        var (awards, renewals) = await app.Factory.WithDbAsync(async db => (
            await db.Awards.CountAsync(a => a.StudentId == world.StudentA1.Id),
            await db.AwardRenewals.CountAsync(r => r.StudentId == world.StudentA1.Id && r.Source == Rosette.Domain.Issuance.AwardSource.Achievement)));
        Assert.Equal((2, 1), (awards, renewals));
    }

    [Fact]
    public async Task ExpiringAwards_ListsAndRenewsInBulk_WithinTheAdministratorsScopeOnly()
    {
        var world = await app.NewWorldAsync();
        await app.SetLifecycleAsync(world, world.Manual.Id, validityDays: 20, renewalWindowDays: 5);
        var issued = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id, world.StudentA2.Id);
        app.Clock.Advance(TimeSpan.FromDays(16));
        var admin = await app.AdminAsync(world);
        var now = app.Clock.GetUtcNow().UtcDateTime;

        var list = await (await admin.GetAsync($"/api/v1/awards/expiring?badgeId={world.Manual.Id}&from={now:O}&to={now.AddDays(30):O}"))
            .IsOkAsync<Rosette.Infrastructure.Http.Paged<Rosette.Features.Expiry.ExpiringAward>>();
        Assert.Equal(2, list.Total);
        Assert.All(list.Items, a => Assert.Equal(Rosette.Domain.Issuance.ExpiryState.ExpiringSoon, a.State));
        var csv = await admin.GetStringAsync($"/api/v1/awards/expiring/export?badgeId={world.Manual.Id}");
        Assert.Contains(world.StudentA2.Email, csv, StringComparison.Ordinal);
        Assert.Contains("expiring_soon", csv, StringComparison.Ordinal);

        // An administrator of B does not administer the badge: its awards are not there to list or renew.
        var adminB = await app.ClientAsync(world.AdminB);
        var outside = await (await adminB.GetAsync($"/api/v1/awards/expiring?badgeId={world.Manual.Id}")).IsOkAsync<Rosette.Infrastructure.Http.Paged<Rosette.Features.Expiry.ExpiringAward>>();
        Assert.Equal(0, outside.Total);
        var refused = await (await adminB.PostJsonAsync("/api/v1/award-renewals", new { awardIds = new[] { issued.Issued[0].AwardId } })).IsOkAsync<IssueBadgesResult>();
        // The failure names the award asked for, and nothing of it (its badge and student stay empty ids).
        Assert.Equal(("unknown_award", (Guid?)issued.Issued[0].AwardId, Guid.Empty, Guid.Empty),
            (Assert.Single(refused.Failed).Code, refused.Failed[0].AwardId, refused.Failed[0].BadgeId, refused.Failed[0].StudentId));
        Assert.Equal(HttpStatusCode.Forbidden, (await (await app.ClientAsync(world.OrgInstructor)).GetAsync("/api/v1/awards/expiring")).StatusCode);

        var renewed = await (await admin.PostJsonAsync("/api/v1/award-renewals", new { awardIds = issued.Issued.Select(i => i.AwardId) })).IsOkAsync<IssueBadgesResult>();
        Assert.Equal(2, renewed.Renewed.Count);
        var expiresAfter = await app.Factory.WithDbAsync(db => db.Awards.Where(a => a.BadgeId == world.Manual.Id).Select(a => a.ExpiresAt).ToListAsync());
        Assert.All(expiresAfter, e => Assert.True(e > now.AddDays(20)));

        // Renewed a moment ago, neither is renewable again: each failure names its award, in the answer and in the stored batch.
        var twice = await admin.PostJsonAsync("/api/v1/award-renewals", new { awardIds = issued.Issued.Select(i => i.AwardId) });
        var refusedAgain = await twice.IsOkAsync<IssueBadgesResult>();
        var stored = await (await admin.GetAsync($"/api/v1/badge-issuances/{refusedAgain.Id}")).IsOkAsync<IssueBadgesResult>();
        foreach (var failed in new[] { refusedAgain.Failed, stored.Failed })
        {
            Assert.Equal(issued.Issued.Select(i => (i.AwardId, i.StudentId)).Order(), failed.Select(f => (f.AwardId ?? Guid.Empty, f.StudentId)).Order());
        }
        // An issuance's failed pair names no award: the property is absent, not null.
        var issuance = await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } });
        var body = await issuance.Content.ReadAsStringAsync();
        Assert.Contains("\"failed\":[{", body, StringComparison.Ordinal);
        Assert.DoesNotContain("awardId\":null", body, StringComparison.Ordinal);
    }

    private static DateTime Seconds(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static string Timestamp(DateTime t) => Rosette.Features.Credentials.OpenBadgesDocuments.Timestamp(t);
}
