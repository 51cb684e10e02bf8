using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Rosette.Domain.Providers;
using Rosette.Domain.Users;
using Rosette.Features.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>
/// The app killed (SIGKILL) between sending a badge and recording the answer; two instances dispatching at once; and two
/// rounds racing for one delivery when a claim runs out. The fixture's own host only seeds and reads: the processes,
/// hosts and rounds each test starts are the only ones that deliver.
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
        var settings = RosetteFactory.LocalOutbound.ToDictionary(s => s.Key, s => s.Value!);
        settings["Rosette:Providers:AttemptTimeout"] = "00:10:00";
        settings["Rosette:Providers:ClaimDuration"] = "00:30:00";
        settings["Rosette:Providers:PollInterval"] = "00:00:00.100";
        Guid awardId;

        await using (var doomed = await AppProcess.StartAsync(app.Database, settings))
        {
            using var admin = doomed.CreateClient();
            admin.DefaultRequestHeaders.Authorization = (await app.ClientAsync(world.AdminRoot)).DefaultRequestHeaders.Authorization;
            var result = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<Rosette.Features.Issuance.IssueBadgesResult>();
            awardId = result.Issued[0].AwardId;
            await app.Credly.HeldAsync(email).Within("Credly to hold the badge's creation");
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
    public async Task AProviderTokenThisInstanceCannotDecrypt_HoldsBackOnlyItsOwnDeliveries_UntilItIsEnteredAgain()
    {
        var (broken, brokenProvider) = await app.NewProviderWorldAsync();
        var (healthy, _) = await app.NewProviderWorldAsync();
        // Protected under a key ring this instance does not have (a restored database, or instances that share no keys).
        var foreign = DataProtectionProvider.Create("Rosette tests: another key ring").CreateProtector("Rosette.Providers.ApiToken.v1").Protect(FakeCredly.Token);
        await app.Factory.WithDbAsync(db => db.BadgeProviders.Where(p => p.Id == brokenProvider.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.ProtectedApiToken, foreign)));
        var held = Assert.Single((await app.IssueAsync(broken, broken.Manual.Id, broken.StudentA1.Id)).Issued).AwardId;
        var sent = Assert.Single((await app.IssueAsync(healthy, healthy.Manual.Id, healthy.StudentA1.Id)).Issued).AwardId;
        // Another instance whose rounds the test runs, on a clock of its own (the fixture's stays where the other tests expect it).
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var instance = new RosetteFactory(app.Database, clock, new Dictionary<string, string?>(ProvidersFixture.Settings) { ["Rosette:Providers:DispatcherEnabled"] = "false" });
        var dispatcher = instance.Services.GetRequiredService<DeliveryDispatcher>();

        // One round claims both (they are due, and no other instance runs rounds): it delivers the healthy one.
        await dispatcher.RunOnceAsync(CancellationToken.None);

        Assert.Equal(DeliveryStatus.Delivered, (await app.DeliveryAsync(sent)).Status);
        var waiting = await app.DeliveryAsync(held);
        Assert.Equal((DeliveryStatus.Pending, 0, null, null), (waiting.Status, waiting.Attempts, waiting.ClaimedBy, waiting.ClaimedUntil));
        Assert.Contains("cannot decrypt the provider's API token", waiting.LastError, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().UtcDateTime.AddMinutes(1), waiting.NextAttemptAt, TimeSpan.FromSeconds(1));
        Assert.Equal(0, app.Credly.Posts(broken.StudentA1.Email));
        Assert.Equal(foreign, await app.Factory.WithDbAsync(db => db.BadgeProviders.Where(p => p.Id == brokenProvider.Id).Select(p => p.ProtectedApiToken).SingleAsync()));

        // An administrator enters the token again; the delivery goes at its next turn.
        (await (await app.ClientAsync(broken.AdminRoot)).PatchJsonAsync($"/api/v1/badge-providers/{brokenProvider.Id}", new { apiToken = FakeCredly.Token }))
            .EnsureSuccessStatusCode();
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.Equal(DeliveryStatus.Delivered, (await app.DeliveryAsync(held)).Status);
        Assert.Equal((1, 1), (app.Credly.Creations(broken.StudentA1.Email), app.Credly.Posts(broken.StudentA1.Email)));
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
            "all 150 deliveries");

        var emails = await app.Factory.WithDbAsync(db => db.Users.Where(u => students.Contains(u.Id)).Select(u => u.Email).ToListAsync());
        Assert.All(emails, email => Assert.Equal((1, 1), (app.Credly.Creations(email), app.Credly.Posts(email))));
    }

    /// <summary>
    /// Issue 13, as it happened on a loaded machine: a round's claim ran out (a process stalled longer than the claim) after
    /// the round had read the delivery; another round claimed it; both started an attempt and both sent.
    /// </summary>
    [Fact]
    public async Task Rounds_ClaimRunsOutAfterTheRoundReadTheDelivery_AnotherRoundTakesIt_OnlyOneSends()
    {
        await using var race = await FirstRoundAboutToStartAsync(w => w.StudentA1);

        race.Rounds.Clock.Advance(Rounds.ClaimDuration + TimeSpan.FromSeconds(1));
        var secondStarts = race.Rounds.Gate.HoldNext(Rounds.StartsAttempt);
        var second = race.Rounds.RunAsync();
        await Within(secondStarts.Reached);
        race.FirstStarts.Release();
        // The first round gives the delivery up, sends, or (past its heartbeat's held renewal) asks to renew before sending.
        await Within(Task.WhenAny(race.First, app.Credly.HeldAsync(race.Email), race.Renewals.ArrivalsAsync(2)));
        var held = app.Credly.Holds(race.Email);
        secondStarts.Release();
        await Within(Task.WhenAny(second, app.Credly.HeldAsync(race.Email, held + 1)));
        await race.FinishAsync(second);

        await AssertDeliveredOnceAsync(race.AwardId, race.Email);
        Assert.Equal(1, (await app.DeliveryAsync(race.AwardId)).Attempts);
    }

    /// <summary>
    /// The same race while a request is pending: a round about to send holds its claim for less than a request may take
    /// (its renewals starved). It must extend the claim first; were it to send, the claim could run out while the request
    /// is still on its way, and the next round would look the badge up, not find it yet, and send it again.
    /// </summary>
    [Fact]
    public async Task Rounds_ClaimTooShortForTheRequest_IsExtendedBeforeSending_NoOtherRoundSends()
    {
        await using var race = await FirstRoundAboutToStartAsync(w => w.StudentA2);

        race.Rounds.Clock.Advance(Rounds.ClaimDuration - ProvidersFixture.AttemptTimeout);
        race.FirstStarts.Release();
        // Its heartbeat's renewal is held; then either the request goes out, or the round asks for a renewal of its own.
        await Within(Task.WhenAny(app.Credly.HeldAsync(race.Email), race.Renewals.ArrivalsAsync(2)));
        race.Rounds.Clock.Advance(ProvidersFixture.AttemptTimeout + TimeSpan.FromSeconds(1));
        var held = app.Credly.Holds(race.Email);
        var second = race.Rounds.RunAsync();
        await Within(Task.WhenAny(second, app.Credly.HeldAsync(race.Email, held + 1)));
        await race.FinishAsync(second);

        await AssertDeliveredOnceAsync(race.AwardId, race.Email);
    }

    /// <summary>
    /// An award to deliver, and a first round stopped after it claimed and read the delivery, just before it commits the
    /// start of its attempt. The first request to the provider stays on its way (nothing created) until the race is over,
    /// and no claim is renewed (a starved heartbeat) until then either.
    /// </summary>
    private async Task<Race> FirstRoundAboutToStartAsync(Func<World, User> student)
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var email = student(world).Email;
        var rounds = new Rounds(app.Database);
        var awardId = (await app.IssueAsync(world, world.Manual.Id, student(world).Id)).Issued[0].AwardId;
        app.Credly.Fail(email, "POST", CredlyFault.HoldBeforeWork);
        var renewals = rounds.Gate.HoldEvery(Rounds.RenewsClaims);
        var firstStarts = rounds.Gate.HoldNext(Rounds.StartsAttempt);
        var first = rounds.RunAsync();
        await Within(firstStarts.Reached);
        return new Race(rounds, app.Credly, email, awardId, renewals, firstStarts, first);
    }

    private sealed record Race(Rounds Rounds, FakeCredly Credly, string Email, Guid AwardId, CommandGate.Hold Renewals, CommandGate.Hold FirstStarts, Task<int> First)
        : IAsyncDisposable
    {
        /// <summary>Lets everything held go on, and waits for both rounds to end.</summary>
        public async Task FinishAsync(Task<int> second)
        {
            Rounds.Gate.ReleaseAll();
            Credly.ReleaseHeld();
            await Within(Task.WhenAll(First, second));
        }

        public ValueTask DisposeAsync() => Rounds.DisposeAsync();
    }

    private async Task AssertDeliveredOnceAsync(Guid awardId, string email)
    {
        Assert.Equal((1, 1), (app.Credly.Creations(email), app.Credly.Posts(email)));
        var delivery = await app.DeliveryAsync(awardId);
        Assert.Equal((DeliveryStatus.Delivered, Assert.Single(app.Credly.Badges, b => b.Email == email).Id), (delivery.Status, delivery.ProviderBadgeId));
    }

    private Task<List<string>> AttemptLogAsync(Guid awardId) => app.Factory.WithDbAsync(db =>
        db.DeliveryAttempts.Where(a => a.AwardId == awardId).OrderBy(a => a.Id).Select(a => a.Operation + ":" + a.StatusCode).ToListAsync());

    /// <summary>A wait for a signal of the race, bounded so that a broken race fails instead of hanging.</summary>
    private static Task Within(Task signal) => signal.Within("the race's next point");

    /// <summary>
    /// Another instance on the fixture's database whose rounds the test runs one by one (no loop of its own), on a clock of
    /// its own, with a <see cref="CommandGate"/> to stop a round at an exact point.
    /// </summary>
    private sealed class Rounds(TestDatabase database) : RosetteFactory(database, new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string?>(ProvidersFixture.Settings)
    {
        ["Rosette:Providers:DispatcherEnabled"] = "false",
        ["Rosette:Providers:ClaimDuration"] = ClaimDuration.ToString(),
    })
    {
        /// <summary>The shortest claim the settings allow: three attempt timeouts.</summary>
        public static readonly TimeSpan ClaimDuration = ProvidersFixture.AttemptTimeout * 3;

        public CommandGate Gate { get; } = new();

        public FakeTimeProvider Clock => (FakeTimeProvider)Services.GetRequiredService<TimeProvider>();

        /// <summary>A round commits the start of its attempt (before anything is sent).</summary>
        public static bool StartsAttempt(string sql) => sql.Contains("UPDATE \"ProviderDeliveries\" SET \"Attempts\" = ", StringComparison.Ordinal);

        /// <summary>A round extends its claims.</summary>
        public static bool RenewsClaims(string sql) => sql.Contains("SET \"ClaimedUntil\" = ", StringComparison.Ordinal);

        public Task<int> RunAsync() => Task.Run(() => Services.GetRequiredService<DeliveryDispatcher>().RunOnceAsync(CancellationToken.None));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(Gate.AddTo);
        }

        public override async ValueTask DisposeAsync()
        {
            Gate.ReleaseAll();
            await base.DisposeAsync();
        }
    }
}
