using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Data;
using Rosette.Domain.Achievements;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Data;

/// <summary>
/// The stores' hand-written SQL on the database in use: it finds what the domain's rules (its twins) say it should, and
/// writes what EF reads back. No worker or dispatcher runs in this host, so the rows stay where the tests put them.
/// </summary>
public sealed class StoreTests(StoreTests.QuietHost app) : IClassFixture<StoreTests.QuietHost>
{
    public sealed class QuietHost : AppFixture
    {
        protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, settings: new Dictionary<string, string?>
        {
            ["Rosette:Achievements:WorkerEnabled"] = "false",
            ["Rosette:Providers:DispatcherEnabled"] = "false",
        });
    }

    private static readonly DateTime T0 = new(2026, 2, 1, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task ActivityStore_ClaimsPendingEventsInOrder_MarksThemProcessed_AndKeepsTheEarliestFact()
    {
        var world = await app.NewWorldAsync();
        var lab = $"lab-{Guid.NewGuid():N}";
        var events = new[] { (world.StudentA1, 30), (world.StudentA2, 10), (world.StudentA1, 20) }
            .Select((e, i) => ActivityEvent.Create($"e{i}-{lab}", world.AdminRoot.Id, e.Item1.Id, ActivityType.LabCompleted, lab, T0.AddMinutes(e.Item2), null, T0)).ToList();
        await app.Factory.WithDbAsync(async db =>
        {
            db.ActivityEvents.AddRange(events);
            await db.SaveChangesAsync();
        });

        var claimed = await InTransactionAsync(async (db, store) =>
        {
            var pending = await store.ClaimPendingAsync(1000, CancellationToken.None);
            await store.MarkProcessedAsync(pending, T0, CancellationToken.None);
            await store.UpsertFactsAsync(AchievementEngine.OnEvents(new AchievementCatalog([]), await store.LoadEarnersAsync([world.StudentA1.Id, world.StudentA2.Id], CancellationToken.None),
                new EarningCounters(), pending.Where(e => e.SubjectId == lab)).Facts, CancellationToken.None);
            return pending.Where(e => e.SubjectId == lab).ToList();
        });
        var again = await InTransactionAsync((_, store) => store.ClaimPendingAsync(1000, CancellationToken.None));

        Assert.Equal(events.OrderBy(e => e.Seq).Select(e => (e.Seq, e.UserId, e.Type, e.OccurredAt)), claimed.Select(e => (e.Seq, e.UserId, e.Type, e.OccurredAt)));
        Assert.DoesNotContain(again, e => e.SubjectId == lab);
        Assert.Equal(T0, await app.Factory.WithDbAsync(db => db.ActivityEvents.Where(e => e.SubjectId == lab).Select(e => e.ProcessedAt).Distinct().SingleAsync()));

        // The SQL twin of ActivityFact.Supersedes: a later time leaves the stored fact alone, an earlier one replaces it.
        foreach (var minutes in new[] { 15, 5, 25 })
        {
            await InTransactionAsync(async (_, store) =>
            {
                await store.UpsertFactsAsync([ActivityFact.Create(world.StudentA1.Id, ActivityType.LabCompleted, lab, T0.AddMinutes(minutes))], CancellationToken.None);
                return true;
            });
        }
        var facts = await app.Factory.WithDbAsync(db => db.ActivityFacts.AsNoTracking().Where(f => f.SubjectId == lab).ToDictionaryAsync(f => f.UserId, f => f.FirstAt));
        var expected = ActivityFact.Create(world.StudentA1.Id, ActivityType.LabCompleted, lab, T0.AddMinutes(30));
        foreach (var minutes in new[] { 20, 15, 5, 25 })
        {
            expected.Observe(T0.AddMinutes(minutes));
        }
        Assert.Equal(expected.FirstAt, facts[world.StudentA1.Id]);
        Assert.Equal(T0.AddMinutes(10), facts[world.StudentA2.Id]);
    }

    [Fact]
    public async Task ActivityStore_ReadsEarners_ByTheActiveStudentRule_AndTheirEarningsAndFacts()
    {
        var world = await app.NewWorldAsync();
        var inactive = await app.Factory.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Id == world.StudentA2.Id);
            Assert.Null(user.Update(Rosette.Domain.Actor.System, world.A.Path, null, null, null, false, null));
            db.ActivityFacts.Add(ActivityFact.Create(world.StudentA1.Id, ActivityType.ExamPassed, "path", T0));
            await db.SaveChangesAsync();
            return user;
        });
        var users = new[] { world.StudentA1, inactive, world.OrgInstructor, world.AdminA };
        var unknown = Guid.NewGuid();

        var states = await InTransactionAsync((_, store) => store.LoadStatesAsync([.. users.Select(u => u.Id), unknown], CancellationToken.None));
        var filtered = await app.Factory.WithDbAsync(db => db.Users.Where(u => users.Select(x => x.Id).Contains(u.Id)).Where(ActiveStudents.Filter).Select(u => u.Id).ToListAsync());

        Assert.All(users, u => Assert.Equal(ActiveStudents.Is(u.Role, u.IsActive), states[u.Id].Earner.IsActiveStudent));
        Assert.Equal([world.StudentA1.Id], filtered);
        Assert.Equal([world.StudentA1.Id], users.Where(u => states[u.Id].Earner.IsActiveStudent).Select(u => u.Id));
        Assert.False(states[unknown].Earner.IsActiveStudent);
        Assert.Equal(T0, states[world.StudentA1.Id].Activity.FirstAt(ActivityType.ExamPassed, "path"));
        Assert.Equal(world.A.Path, states[world.StudentA1.Id].Earner.OrganizationPath);
    }

    [Fact]
    public async Task DeliveryStore_ClaimsExactlyTheDueDeliveriesWhoseTimeHasCome_AndEachClaimBumpsTheVersion()
    {
        var world = await app.NewWorldAsync();
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var provider = BadgeProvider.Create("Credly", world.Root, ProviderType.Credly, "org", "https://api.credly.com/v1", "token", [],
            new ProviderAddressRules([], false), now).Value;
        var awards = new[] { world.StudentA1, world.StudentA2, world.StudentA1x }
            .SelectMany(s => new[] { world.Manual, world.Manual2 }.Select(b => Award.Create(new AwardFacts(b.Id, s.Id, now, AwardSource.Roster) { IssuedById = world.AdminRoot.Id, ClassId = world.Class.Id })))
            .ToList();
        var deliveries = awards.Select((a, i) => ProviderDelivery.Create(a.Id, provider.Id, i == 5 ? now.AddHours(1) : now.AddMinutes(-1))).ToList();
        deliveries[1].RequestRevocation(now.AddMinutes(-1));
        deliveries[2].Delivered("badge", now);
        deliveries[3].Fail("refused", sent: false, now);
        deliveries[4].RevokedAtProvider(now);
        await app.Factory.WithDbAsync(async db =>
        {
            db.BadgeProviders.Add(provider);
            db.Awards.AddRange(awards);
            db.ProviderDeliveries.AddRange(deliveries);
            await db.SaveChangesAsync();
        });
        var mine = deliveries.Select(d => d.AwardId).ToHashSet();
        var versions = await VersionsAsync(mine);

        var first = await InTransactionAsync(async (db, _) =>
        {
            var store = new DeliveryStore(db);
            return await store.ClaimAsync("round-1", now, now.AddMinutes(5), 1000, CancellationToken.None);
        });
        var second = await InTransactionAsync((db, _) => new DeliveryStore(db).ClaimAsync("round-2", now, now.AddMinutes(5), 1000, CancellationToken.None));

        Assert.Equal(deliveries.Where(d => d.IsDue && d.NextAttemptAt <= now).Select(d => d.AwardId).Order(), first.Where(mine.Contains).Order());
        Assert.Equal(new[] { deliveries[0].AwardId, deliveries[1].AwardId }.Order(), first.Where(mine.Contains).Order());
        Assert.DoesNotContain(second, mine.Contains);
        var after = await VersionsAsync(mine);
        Assert.All(mine, id => Assert.Equal(versions[id] + (first.Contains(id) ? 1 : 0), after[id]));

        var claim = new DeliveryClaim("round-1", first.Where(mine.Contains), now.AddMinutes(5));
        var held = await app.Factory.WithDbAsync(db => new DeliveryStore(db).LoadClaimedAsync(claim, CancellationToken.None));
        Assert.Equal(first.Where(mine.Contains).Order(), held.Select(d => d.AwardId).Order());
        await app.Factory.WithDbAsync(db => new DeliveryStore(db).RenewAsync(claim, now.AddMinutes(10), CancellationToken.None));
        Assert.Equal(now.AddMinutes(10), claim.Until);
        var until = await app.Factory.WithDbAsync(db => db.ProviderDeliveries.Where(d => d.ClaimedBy == "round-1" && mine.Contains(d.AwardId)).Select(d => d.ClaimedUntil).Distinct().ToListAsync());
        Assert.Equal(now.AddMinutes(10), Assert.Single(until));
    }

    [Fact]
    public async Task RetryTransientAsync_RunsAgainAfterADeadlockOrSerializationFailure_ButNotAfterAnythingElse()
    {
        var calls = 0;
        var result = await app.Factory.WithDbAsync(db => db.RetryTransientAsync(3, () =>
            ++calls < 3 ? throw new PostgresException("deadlock", "ERROR", "ERROR", calls == 1 ? PostgresErrorCodes.DeadlockDetected : PostgresErrorCodes.SerializationFailure)
                : Task.FromResult(calls)));
        Assert.Equal(3, result);

        calls = 0;
        await Assert.ThrowsAsync<PostgresException>(() => app.Factory.WithDbAsync(db => db.RetryTransientAsync(3, () =>
            ++calls > 0 ? throw new PostgresException("deadlock", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected) : Task.CompletedTask)));
        Assert.Equal(3, calls);

        calls = 0;
        await Assert.ThrowsAsync<DbUpdateException>(() => app.Factory.WithDbAsync(db => db.RetryTransientAsync(3, () =>
            ++calls > 0 ? throw new DbUpdateException("unique", new PostgresException("unique", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)) : Task.CompletedTask)));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task LockAsync_TakesOneTransactionScopedLockPerDistinctId_OnPostgreSql()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        var held = await InTransactionAsync(async (db, _) =>
        {
            await db.LockAsync(LockSpace.Achievements, [b, a, b], CancellationToken.None);
            return db.IsPostgres
                ? await db.Database.SqlQueryRaw<int>(
                    "SELECT count(*)::int AS \"Value\" FROM pg_locks WHERE locktype = 'advisory' AND classid = {0} AND pid = pg_backend_pid()", (int)LockSpace.Achievements).SingleAsync()
                : (int?)null;
        });

        Assert.Equal(app.Database.IsPostgres ? 2 : null, held);
    }

    private Task<T> InTransactionAsync<T>(Func<RosetteDb, ActivityStore, Task<T>> work) => app.Factory.WithDbAsync(async db =>
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var result = await work(db, new ActivityStore(db));
        await transaction.CommitAsync();
        return result;
    });

    private Task<Dictionary<Guid, int>> VersionsAsync(HashSet<Guid> ids) =>
        app.Factory.WithDbAsync(db => db.ProviderDeliveries.AsNoTracking().Where(d => ids.Contains(d.AwardId)).ToDictionaryAsync(d => d.AwardId, d => d.Version));
}
