using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>The app killed (SIGKILL) between sending a badge and recording the answer; and two instances dispatching at once.</summary>
public sealed class DeliveryCrashTests(ProvidersFixture app) : IClassFixture<ProvidersFixture>
{
    [Fact]
    public async Task KilledBetweenSendingAndRecording_AfterRestartTheBadgeIsFound_NotSentAgain()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.SlowAnswer = TimeSpan.FromSeconds(4);
        app.Credly.Fail(world.StudentA1.Email, "POST", CredlyFault.SlowAfterWork);
        var settings = RosetteFactory.LocalOutbound.ToDictionary(s => s.Key, s => s.Value!);
        settings["Rosette:Providers:ClaimDuration"] = "00:00:03";
        settings["Rosette:Providers:PollInterval"] = "00:00:00.100";
        Guid awardId;

        await using (var doomed = await AppProcess.StartAsync(app.Database, settings))
        {
            using var admin = doomed.CreateClient();
            admin.DefaultRequestHeaders.Authorization = (await app.ClientAsync(world.AdminRoot)).DefaultRequestHeaders.Authorization;
            var result = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<Rosette.Features.Issuance.IssueBadgesResult>();
            awardId = result.Issued[0].AwardId;
            await Eventually.TrueAsync(() => Task.FromResult(app.Credly.Creations(world.StudentA1.Email) == 1), "the provider to create the badge");
            await doomed.KillAsync();
        }
        var afterCrash = await app.DeliveryAsync(awardId);
        Assert.Equal((DeliveryStatus.Pending, true), (afterCrash.Status, afterCrash.MaybeSent));

        await using (var restarted = await AppProcess.StartAsync(app.Database, settings))
        {
            await Eventually.TrueAsync(async () => (await app.DeliveryAsync(awardId)).Status == DeliveryStatus.Delivered, "delivery after the restart");
        }

        var log = await app.Factory.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.AwardId == awardId).OrderBy(a => a.Id).Select(a => a.At + " " + a.Operation + ":" + a.StatusCode + ":" + a.Answer).ToListAsync());
        var counts = (Creations: app.Credly.Creations(world.StudentA1.Email), Posts: app.Credly.Posts(world.StudentA1.Email));
        Assert.True((1, 1) == counts, $"{counts}; attempts:\n" + string.Join("\n", log));
        Assert.Equal(Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA1.Email).Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
    }

    [Fact]
    public async Task TwoInstancesDispatchingAtOnce_DeliverEachAwardOnce()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 150);
        var settings = new Dictionary<string, string?>(ProvidersFixture.Settings) { ["Rosette:Providers:BatchSize"] = "10" };
        await using var first = new RosetteFactory(app.Database, null, settings);
        await using var second = new RosetteFactory(app.Database, null, settings);
        first.StartServer();
        second.StartServer();

        var issued = await app.IssueAsync(world, world.Manual.Id, students.ToArray());
        await Eventually.TrueAsync(async () => await app.Factory.WithDbAsync(db =>
            db.ProviderDeliveries.CountAsync(d => d.Status == DeliveryStatus.Delivered && issued.Issued.Select(i => i.AwardId).Contains(d.AwardId))) == 150,
            "all 150 deliveries", seconds: 60);

        var emails = await app.Factory.WithDbAsync(db => db.Users.Where(u => students.Contains(u.Id)).Select(u => u.Email).ToListAsync());
        Assert.All(emails, email => Assert.Equal((1, 1), (app.Credly.Creations(email), app.Credly.Posts(email))));
    }
}
