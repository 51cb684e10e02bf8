using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>
/// The app killed (SIGKILL) between sending a badge and recording the answer; and two instances dispatching at once. The
/// fixture's own host only seeds and reads: the processes and hosts each test starts are the only ones that deliver.
/// </summary>
public sealed class DeliveryCrashTests(DispatcherlessProvidersFixture app) : IClassFixture<DispatcherlessProvidersFixture>
{
    [Fact]
    public async Task KilledBetweenSendingAndRecording_AfterRestartTheBadgeIsFound_NotSentAgain()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var email = world.StudentA1.Email;
        // The provider creates the badge and keeps its answer: the process is killed while its request is pending, before
        // any answer or time limit can reach it.
        app.Credly.Fail(email, "POST", CredlyFault.HoldAfterWork);
        var settings = new Dictionary<string, string>
        {
            ["Rosette:Providers:AttemptTimeout"] = "00:10:00",
            ["Rosette:Providers:ClaimDuration"] = "00:30:00",
            ["Rosette:Providers:PollInterval"] = "00:00:00.100",
        };
        Guid awardId;

        await using (var doomed = await AppProcess.StartAsync(app.Database, settings))
        {
            using var admin = doomed.CreateClient();
            admin.DefaultRequestHeaders.Authorization = (await app.ClientAsync(world.AdminRoot)).DefaultRequestHeaders.Authorization;
            var result = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<Rosette.Features.Issuance.IssueBadgesResult>();
            awardId = result.Issued[0].AwardId;
            await app.Credly.HeldAsync(email).WaitAsync(TimeSpan.FromSeconds(60));
            await doomed.KillAsync();
        }
        app.Credly.ReleaseHeld();
        var afterCrash = await app.DeliveryAsync(awardId);
        Assert.Equal((DeliveryStatus.Pending, true, 1), (afterCrash.Status, afterCrash.MaybeSent, afterCrash.Attempts));
        Assert.Empty(await AttemptLogAsync(awardId));
        Assert.Equal(1, app.Credly.Creations(email));
        // The dead process's claim would pass to another instance after ClaimDuration; the test cannot move another process's
        // clock, so it ends the claim now.
        await app.Factory.WithDbAsync(db => db.ProviderDeliveries.Where(d => d.AwardId == awardId && d.ClaimedBy != null)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedUntil, DateTime.UtcNow.AddSeconds(-1))));

        await using (await AppProcess.StartAsync(app.Database, settings))
        {
            await Eventually.TrueAsync(async () => (await app.DeliveryAsync(awardId)).Status == DeliveryStatus.Delivered, "delivery after the restart");
        }

        Assert.Equal((1, 1), (app.Credly.Creations(email), app.Credly.Posts(email)));
        Assert.Equal(Assert.Single(app.Credly.Badges, b => b.Email == email).Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
        Assert.Equal(["find:200"], await AttemptLogAsync(awardId));
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

    private Task<List<string>> AttemptLogAsync(Guid awardId) => app.Factory.WithDbAsync(db =>
        db.DeliveryAttempts.Where(a => a.AwardId == awardId).OrderBy(a => a.Id).Select(a => a.Operation + ":" + a.StatusCode).ToListAsync());
}
