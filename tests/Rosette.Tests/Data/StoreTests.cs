using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Data;
using Rosette.Domain.Achievements;
using Rosette.Domain.Issuance;
using Rosette.Domain.Providers;
using Rosette.Domain.Users;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Outbox;
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
            ["Rosette:Outbox:Enabled"] = "false",
            ["Rosette:Webhooks:DispatcherEnabled"] = "false",
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

        // A claim marks its events processed in the batch's transaction: rolled back, they are pending again.
        var rolledBack = await app.Factory.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var pending = await new ActivityStore(db).ClaimPendingAsync(1000, T0, UserShare.All, CancellationToken.None);
            await transaction.RollbackAsync();
            return pending.Where(e => e.SubjectId == lab).Select(e => e.Seq).ToList();
        });
        var claimed = await InTransactionAsync(async (db, store) =>
        {
            var pending = await store.ClaimPendingAsync(1000, T0, UserShare.All, CancellationToken.None);
            await store.UpsertFactsAsync(AchievementEngine.OnEvents(new AchievementCatalog([]), await store.LoadEarnersAsync([world.StudentA1.Id, world.StudentA2.Id], CancellationToken.None),
                new EarningCounters(), pending.Where(e => e.SubjectId == lab)).Facts, CancellationToken.None);
            return pending.Where(e => e.SubjectId == lab).ToList();
        });
        var again = await InTransactionAsync((_, store) => store.ClaimPendingAsync(1000, T0.AddMinutes(1), UserShare.All, CancellationToken.None));

        Assert.Equal(events.OrderBy(e => e.Seq).Select(e => e.Seq), rolledBack);
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

    /// <summary>
    /// On PostgreSQL the claims of two shares (decision 0009) take disjoint students, every event of a student in one of
    /// them, each in Seq order; together all the events. SQLite refuses a share, and its events stay pending.
    /// </summary>
    [Fact]
    public async Task ActivityStore_ClaimsOfTwoShares_TakeDisjointStudents_AllOfEachStudentsEventsInOne()
    {
        var world = await app.NewWorldAsync();
        var lab = $"lab-{Guid.NewGuid():N}";
        var students = Enumerable.Range(0, 24).Select(_ => Guid.CreateVersion7()).ToList();
        var events = Enumerable.Range(0, 72)
            .Select(i => ActivityEvent.Create($"e{i}-{lab}", world.AdminRoot.Id, students[i % students.Count], ActivityType.LabCompleted, lab, T0.AddMinutes(i), null, T0)).ToList();
        await app.Factory.WithDbAsync(async db =>
        {
            db.ActivityEvents.AddRange(events);
            await db.SaveChangesAsync();
        });
        Task<List<PendingEvent>> ClaimAsync(UserShare share) =>
            InTransactionAsync(async (_, store) => (await store.ClaimPendingAsync(1000, T0, share, CancellationToken.None)).Where(e => e.SubjectId == lab).ToList());

        if (!app.Database.IsPostgres)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => ClaimAsync(new UserShare(0, 2)));
            Assert.Equal(events.Count, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.SubjectId == lab && e.ProcessedAt == null)));
            await ClaimAsync(UserShare.All);
            return;
        }
        var second = await ClaimAsync(new UserShare(1, 2));
        var first = await ClaimAsync(new UserShare(0, 2));

        Assert.Equal(events.Select(e => e.Seq).Order(), first.Concat(second).Select(e => e.Seq).Order());
        Assert.Empty(first.Select(e => e.UserId).Intersect(second.Select(e => e.UserId)));
        Assert.All(new[] { first, second }, share =>
        {
            Assert.InRange(share.Count, 3, events.Count - 3);
            Assert.Equal(share.Select(e => e.Seq).Order(), share.Select(e => e.Seq));
        });
    }

    /// <summary>The ids a SQLite query reads through <c>json_each</c>: the JSON a serializer writes of EF's upper-case text.</summary>
    [Fact]
    public void ActivityStore_WritesIdsAsTheJsonOfEfsText()
    {
        Guid[][] lists = [[], [Guid.Parse("0b1a2f3e-4d5c-7e68-9d7c-5f1d2c3b4a59")], [.. Enumerable.Range(0, 3).Select(_ => Guid.NewGuid())]];
        foreach (var ids in lists)
        {
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(ids.Select(id => id.ToString().ToUpperInvariant())), System.Text.Encoding.UTF8.GetString(ActivityStore.JsonIds(ids)));
        }
        Assert.Equal("""["0B1A2F3E-4D5C-7E68-9D7C-5F1D2C3B4A59"]"""u8.ToArray(), ActivityStore.JsonIds(lists[1]));
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

    [Fact]
    public async Task OutboxStore_ClaimsTheUnprocessedDueUnclaimedMessages_EarliestDueFirst_AndSettlesOnlyItsOwn()
    {
        var now = T0;
        var messages = new (int DueMinutes, DateTime? ProcessedAt, string? ClaimedBy, int ClaimedMinutes)[]
        {
            (-1, null, null, 0), (60, null, null, 0), (-5, now, null, 0), (-3, null, "other", 5), (-2, null, "crashed", -1),
        }.Select(m => new OutboxMessage
        {
            Topic = "store-test", CreatedAt = now, DueAt = now.AddMinutes(m.DueMinutes), ProcessedAt = m.ProcessedAt, ClaimedBy = m.ClaimedBy,
            ClaimedUntil = m.ClaimedBy is null ? null : now.AddMinutes(m.ClaimedMinutes),
        }).ToList();
        await app.Factory.WithDbAsync(async db =>
        {
            db.OutboxMessages.AddRange(messages);
            await db.SaveChangesAsync();
        });
        var mine = messages.Select(m => m.Id).ToHashSet();

        // No other message is due at T0: a claim of one takes the earliest due.
        var earliest = await app.Factory.WithDbAsync(db => new OutboxStore(db).ClaimAsync("one", now, now.AddMinutes(5), 1, CancellationToken.None));
        var rest = await app.Factory.WithDbAsync(db => new OutboxStore(db).ClaimAsync("one", now, now.AddMinutes(5), 1000, CancellationToken.None));
        var second = await app.Factory.WithDbAsync(db => new OutboxStore(db).ClaimAsync("two", now, now.AddMinutes(5), 1000, CancellationToken.None));

        Assert.Equal([messages[4].Id], earliest.Select(m => m.Id));
        Assert.Equal([messages[0].Id], rest.Where(m => mine.Contains(m.Id)).Select(m => m.Id));
        Assert.All(earliest.Concat(rest), m => Assert.Equal("one", m.ClaimedBy));
        Assert.DoesNotContain(second, m => mine.Contains(m.Id));

        var settled = await app.Factory.WithDbAsync(async db =>
        {
            var store = new OutboxStore(db);
            return (
                NotMine: await store.SettleAsync(messages[0], "two", 1, now, now, null, CancellationToken.None),
                Done: await store.SettleAsync(messages[0], "one", 1, now, now, null, CancellationToken.None),
                Retry: await store.SettleAsync(messages[4], "one", 1, null, now.AddMinutes(1), "boom", CancellationToken.None));
        });
        var early = await app.Factory.WithDbAsync(db => new OutboxStore(db).ClaimAsync("three", now, now.AddMinutes(5), 1000, CancellationToken.None));
        var retried = await app.Factory.WithDbAsync(db => new OutboxStore(db).ClaimAsync("three", now.AddMinutes(2), now.AddMinutes(7), 1000, CancellationToken.None));

        Assert.Equal((0, 1, 1), settled);
        Assert.DoesNotContain(early, m => mine.Contains(m.Id));
        var again = Assert.Single(retried, m => mine.Contains(m.Id));
        Assert.Equal((messages[4].Id, 1, "boom", (DateTime?)null), (again.Id, again.Attempts, again.LastError, again.ProcessedAt));
    }

    [Fact]
    public async Task WebhookStore_ClaimsThePendingDueDeliveriesToEnabledEndpoints_EachTheEarliestPendingOfItsSubject()
    {
        var world = await app.NewWorldAsync();
        var now = T0;
        var (on, off) = (Endpoint(world, now), Endpoint(world, now));
        off.SetEnabled(false, now);
        WebhookEvent Event(Guid subject, int seconds) => WebhookEvent.Create(Guid.NewGuid(), WebhookEventTypes.AwardIssued, world.A.Id, subject, now.AddSeconds(seconds), "{}");
        var (ordered, tied, later, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var events = new[] { Event(ordered, -30), Event(ordered, -20), Event(ordered, -10), Event(tied, -10), Event(tied, -10), Event(later, -10), Event(other, -10) };
        var deliveries = new[]
        {
            WebhookDelivery.Create(on.Id, events[0], now.AddMinutes(-1)),
            WebhookDelivery.Create(on.Id, events[1], now.AddMinutes(-1)),
            WebhookDelivery.Create(on.Id, events[2], now.AddMinutes(-1)),
            WebhookDelivery.Create(on.Id, events[3], now.AddMinutes(-1)),
            WebhookDelivery.Create(on.Id, events[4], now.AddMinutes(-1)),
            WebhookDelivery.Create(on.Id, events[5], now.AddMinutes(1)),
            WebhookDelivery.Create(off.Id, events[6], now.AddMinutes(-1)),
        };
        deliveries[0].Delivered(200, now, now);
        await app.Factory.WithDbAsync(async db =>
        {
            db.AddRange(on, off);
            db.WebhookEvents.AddRange(events);
            db.WebhookDeliveries.AddRange(deliveries);
            await db.SaveChangesAsync();
        });
        var mine = deliveries.Select(d => d.Id).ToHashSet();
        var firstOfTie = Math.Min(deliveries[3].Id, deliveries[4].Id);

        var first = await app.Factory.WithDbAsync(db => new WebhookStore(db).ClaimAsync("one", now, now.AddMinutes(5), 1000, CancellationToken.None));
        var second = await app.Factory.WithDbAsync(db => new WebhookStore(db).ClaimAsync("two", now, now.AddMinutes(5), 1000, CancellationToken.None));

        Assert.Equal(new[] { deliveries[1].Id, firstOfTie }.Order(), first.Where(mine.Contains).Order());
        Assert.DoesNotContain(second, mine.Contains);

        // Once the earliest of its subject is delivered, the next one of that subject is claimed.
        await app.Factory.WithDbAsync(async db =>
        {
            var held = await new WebhookStore(db).LoadClaimedAsync("one", [.. first.Where(mine.Contains)], CancellationToken.None);
            Assert.Equal(first.Where(mine.Contains).Order(), held.Select(d => d.Id).Order());
            held.Single(d => d.Id == deliveries[1].Id).Delivered(200, now, now);
            await db.SaveChangesAsync();
        });
        var third = await app.Factory.WithDbAsync(db => new WebhookStore(db).ClaimAsync("three", now, now.AddMinutes(5), 1000, CancellationToken.None));
        Assert.Equal([deliveries[2].Id], third.Where(mine.Contains));
    }

    [Fact]
    public async Task Claims_WithNothingDue_DoNotWaitForAnotherWriter()
    {
        // Nothing anywhere is due this long before the tests' times. On SQLite the writer below holds the database's one
        // write lock: a claim that wrote regardless would retry until its (short) command timeout, then fail as "locked".
        var longAgo = T0.AddYears(-20);
        var claimed = await app.Factory.WithDbAsync(async writer =>
        {
            await using var transaction = await writer.Database.BeginTransactionAsync();
            writer.OutboxMessages.Add(new OutboxMessage { Topic = "store-test", CreatedAt = T0, DueAt = T0.AddYears(1) });
            await writer.SaveChangesAsync();
            return await app.Factory.WithDbAsync(async db =>
            {
                db.Database.SetCommandTimeout(TimeSpan.FromSeconds(1));
                return (
                    Outbox: (await new OutboxStore(db).ClaimAsync("idle", longAgo, longAgo.AddMinutes(5), 1000, CancellationToken.None)).Count,
                    Deliveries: (await new DeliveryStore(db).ClaimAsync("idle", longAgo, longAgo.AddMinutes(5), 1000, CancellationToken.None)).Count,
                    Webhooks: (await new WebhookStore(db).ClaimAsync("idle", longAgo, longAgo.AddMinutes(5), 1000, CancellationToken.None)).Count);
            });
        });

        Assert.Equal((0, 0, 0), claimed);
    }

    [Fact]
    public async Task WithInstallationLockAsync_KeepsOtherInstancesOutWhileItRuns_OnPostgreSql()
    {
        var ran = false;
        bool? takenInside = null;
        await app.Factory.WithDbAsync(db => db.WithInstallationLockAsync(async () =>
        {
            ran = true;
            takenInside = await TryInstallationLockAsync();
        }, CancellationToken.None));
        var takenAfter = await TryInstallationLockAsync();

        Assert.True(ran);
        Assert.Equal(app.Database.IsPostgres ? false : null, takenInside);
        Assert.Equal(app.Database.IsPostgres ? true : null, takenAfter);
    }

    [Fact]
    public async Task PersonNameFull_ComputedByTheDatabase_AgreesWithUserFullName()
    {
        var world = await app.NewWorldAsync();
        var users = new[] { ("Zoë", "O'Brien-Łukasz"), ("Ann Marie", "de la Cruz"), ("李", "小龍") }
            .Select(n => User.Create($"{Guid.NewGuid():N}@example.com", n.Item1, n.Item2, world.A.Id, UserRole.Student, T0).Value).ToList();
        await app.Factory.WithDbAsync(async db =>
        {
            db.Users.AddRange(users);
            await db.SaveChangesAsync();
        });
        var ids = users.Select(u => u.Id).ToList();

        var (sql, projected, found) = await app.Factory.WithDbAsync(async db =>
        {
            var names = db.Users.Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, Name = PersonName.Full(u.FirstName, u.LastName) });
            // A filter cannot run on the client: this one works only if the database computes the name.
            var filtered = db.Users.Where(u => ids.Contains(u.Id) && PersonName.Full(u.FirstName, u.LastName) == users[0].FullName);
            return (names.ToQueryString(), await names.ToDictionaryAsync(u => u.Id, u => u.Name), await filtered.Select(u => u.Id).ToListAsync());
        });

        Assert.Contains("||", sql);
        Assert.Equal(users.ToDictionary(u => u.Id, u => u.FullName), projected);
        Assert.Equal([users[0].Id], found);
    }

    private static WebhookEndpoint Endpoint(World world, DateTime now) =>
        WebhookEndpoint.Create(world.A.Id, "https://hooks.example.com/rosette", [WebhookEventTypes.AwardIssued], null, "secret", world.AdminRoot.Id, allowPlainHttp: false, now).Value;

    /// <summary>Whether another session could take the installation lock now (a transaction-scoped try, released at once).</summary>
    private Task<bool?> TryInstallationLockAsync() => app.Factory.WithDbAsync(async db => db.IsPostgres
        ? await db.Database.SqlQueryRaw<bool>("SELECT pg_try_advisory_xact_lock({0}) AS \"Value\"", Locking.InstallationKey).SingleAsync()
        : (bool?)null);

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
