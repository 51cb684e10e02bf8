using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The start-up warm-up (ADR 0021): the instance is not ready while it runs, is ready once it has ended, whether it did its
/// work, failed or ran out of time, and none of its work is ever committed.
/// </summary>
public sealed class WarmupTests
{
    /// <summary>The warm-up's rolled-back round inserts its throw-away achievement; nothing else at start-up does.</summary>
    private static bool InsertsAchievement(string sql) => sql.Contains("INSERT INTO \"Achievements\"", StringComparison.Ordinal);

    [Fact]
    public async Task Warmup_WhileRunning_NotReady_ThenReady_AndNothingOfItCommitted()
    {
        await using var database = await TestDatabase.CreateAsync();
        var gate = new CommandGate();
        var held = gate.HoldNext(InsertsAchievement);
        var logs = new LogCapture();
        await using var app = new WarmupFactory(database, services => gate.AddTo(services), logs: logs);
        var client = app.CreateClient();
        await held.Reached;
        using var routes = new RouteMatches(app.Services);

        var during = await client.GetAsync("/health/ready");
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/ready"));
        var committedDuring = await CountRowsAsync(app);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable), (during.StatusCode, head.StatusCode));
        Assert.Equal(("unhealthy", "Warming up."), await WarmupCheckAsync(during));
        Assert.Equal("healthy", (await during.ReadJsonAsync()).GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        // Not ready yet is no failure: a load balancer probes every instance it starts, and each probe logged an Error.
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

        held.Release();
        var after = await ReadyAsync(client);
        var (status, description) = await WarmupCheckAsync(after);
        Assert.Equal("healthy", status);
        Assert.StartsWith("Warmed up in ", description, StringComparison.Ordinal);
        Assert.Equal("healthy", (await after.ReadJsonAsync()).GetProperty("status").GetString());
        Assert.Equal(committedDuring, await CountRowsAsync(app));
        // Its request went through routing (which builds its matcher on the first request an instance serves); this test
        // itself only asks for /health/ready.
        Assert.Contains("/health/live", routes.Matched);
    }

    [Fact]
    public async Task Warmup_WhileRunning_LeavesEveryPendingEventToTheWorker()
    {
        // The worker runs during the warm-up; on PostgreSQL its claim skips a locked event, so an event the warm-up held would be
        // evaluated after later ones (AchievementCrashTests saw a limited achievement go to other students that way).
        await using var database = await TestDatabase.CreateAsync();
        var now = DateTime.UtcNow;
        var organization = Organization.Create(Actor.System, $"Pending {Guid.NewGuid():N}", null, now).Value;
        var admin = User.Create($"pending-admin-{Guid.NewGuid():N}@rosette.test", "Pending", "Admin", organization.Id, UserRole.Administrator, now).Value;
        var student = User.Create($"pending-{Guid.NewGuid():N}@rosette.test", "Pending", "Student", organization.Id, UserRole.Student, now).Value;
        var pending = ActivityEvent.Create("pending-1", admin.Id, student.Id, ActivityType.LabCompleted, "lab-1", now.AddMinutes(-1), null, now);
        // Seeded by a host whose worker is off: a running worker could process the event before the test looks for it.
        await using (var seeding = new RosetteFactory(database, settings: new Dictionary<string, string?> { ["Rosette:Achievements:WorkerEnabled"] = "false" }))
        {
            await seeding.WithDbAsync(async db =>
            {
                db.AddRange(organization, admin, student, pending);
                await db.SaveChangesAsync();
            });
        }
        var gate = new CommandGate();
        var held = gate.HoldNext(InsertsAchievement);
        await using var app = new WarmupFactory(database, services => gate.AddTo(services));
        _ = app.CreateClient();
        await held.Reached;
        try
        {
            // On PostgreSQL, the worker's own claim, rolled back. On SQLite the rehearsal holds the database's one write lock,
            // which the claim's mark (an UPDATE) would wait for: no claim runs meanwhile there, and the event is read as pending.
            var claimed = await app.WithDbAsync(async db =>
            {
                if (!db.IsPostgres)
                {
                    return await db.ActivityEvents.Where(e => e.ProcessedAt == null).Select(e => new { e.Seq }).ToListAsync();
                }
                await using var transaction = await db.Database.BeginTransactionAsync();
                var events = await new ActivityStore(db).ClaimPendingAsync(10, DateTime.UtcNow, UserShare.All, CancellationToken.None);
                await transaction.RollbackAsync();
                return events.Select(e => new { e.Seq }).ToList();
            });

            Assert.Equal([pending.Seq], claimed.Select(e => e.Seq));
        }
        finally
        {
            held.Release();
        }
    }

    [Fact]
    public async Task Warmup_OutOfTime_ReadyDegraded_AndNothingOfItCommitted()
    {
        await using var database = await TestDatabase.CreateAsync();
        var gate = new CommandGate();
        // Held for good: only the warm-up's own bound can end it.
        gate.HoldEvery(InsertsAchievement);
        try
        {
            await using var app = new WarmupFactory(database, services => gate.AddTo(services), ("Rosette:Warmup:Timeout", "00:00:00.5"));
            var client = app.CreateClient();
            var ready = await ReadyAsync(client);

            Assert.Equal(("degraded", "The warm-up did not finish within 0.5 s; serving without it."), await WarmupCheckAsync(ready));
            Assert.Equal("degraded", (await ready.ReadJsonAsync()).GetProperty("status").GetString());
            Assert.Equal(new RowCounts(0, 0, 0, 0, 0), await CountRowsAsync(app, warmupOnly: true));
        }
        finally
        {
            gate.ReleaseAll();
        }
    }

    [Fact]
    public async Task Warmup_Fails_LoggedAndReadyDegraded()
    {
        await using var database = await TestDatabase.CreateAsync();
        var logs = new LogCapture();
        await using var app = new WarmupFactory(database, services => services.ConfigureDbContext<SqliteRosetteDb>(o => o.AddInterceptors(new Refuse()))
            .ConfigureDbContext<PostgresRosetteDb>(o => o.AddInterceptors(new Refuse())), logs: logs);
        var client = app.CreateClient();
        var ready = await ReadyAsync(client);

        Assert.Equal(("degraded", "The warm-up failed (see the log); serving without it."), await WarmupCheckAsync(ready));
        Assert.Contains(logs.Lines, l => l.StartsWith("Error Rosette.Infrastructure.Hosting.StartupWarmup: The warm-up failed", StringComparison.Ordinal)
            && l.Contains(Refuse.Message, StringComparison.Ordinal));
        // The database is still checked on its own: a failed warm-up hides no fault of it.
        var checks = (await ready.ReadJsonAsync()).GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(new RowCounts(0, 0, 0, 0, 0), await CountRowsAsync(app, warmupOnly: true));
    }

    [Fact]
    public async Task Warmup_TwoInstancesOnOneDatabase_BothReady_NothingOfEitherCommitted()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = new WarmupFactory(database, _ => { });
        await using var second = new WarmupFactory(database, _ => { });
        var clients = new[] { first.CreateClient(), second.CreateClient() };

        foreach (var ready in await Task.WhenAll(clients.Select(ReadyAsync)))
        {
            Assert.Equal("healthy", (await WarmupCheckAsync(ready)).Status);
        }
        Assert.Equal(new RowCounts(0, 0, 0, 0, 0), await CountRowsAsync(first, warmupOnly: true));
        Assert.Equal(0, await first.WithDbAsync(db => db.ActivityEvents.CountAsync()));
    }

    private static async Task<HttpResponseMessage> ReadyAsync(HttpClient client)
    {
        HttpResponseMessage? ready = null;
        await Eventually.TrueAsync(async () => (ready = await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "/health/ready answers 200");
        return ready!;
    }

    private static async Task<(string? Status, string? Description)> WarmupCheckAsync(HttpResponseMessage response)
    {
        var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("warm-up");
        return (check.GetProperty("status").GetString(), check.GetProperty("description").GetString());
    }

    private sealed record RowCounts(int Organizations, int Users, int Achievements, int Awards, int Outbox, int Audit = 0, int Facts = 0);

    /// <summary>Rows of the tables the warm-up's round writes; <paramref name="warmupOnly"/> counts only the rows it would make.</summary>
    private static Task<RowCounts> CountRowsAsync(RosetteFactory app, bool warmupOnly = false) => app.WithDbAsync(async db => warmupOnly
        ? new RowCounts(
            await db.Organizations.CountAsync(o => o.Name.StartsWith("Warm-up")),
            await db.Users.CountAsync(u => u.Email.StartsWith("warm-up-")),
            await db.Achievements.CountAsync(),
            await db.Awards.CountAsync(),
            await db.OutboxMessages.CountAsync(),
            0,
            await db.ActivityFacts.CountAsync())
        : new RowCounts(
            await db.Organizations.CountAsync(),
            await db.Users.CountAsync(),
            await db.Achievements.CountAsync(),
            await db.Awards.CountAsync(),
            await db.OutboxMessages.CountAsync(),
            await db.AuditEntries.CountAsync(),
            await db.ActivityFacts.CountAsync()));

    /// <summary>A host with the warm-up on (test hosts turn it off) and no background loop but the warm-up's.</summary>
    private sealed class WarmupFactory(TestDatabase database, Action<IServiceCollection> services, (string Key, string Value)? setting = null, LogCapture? logs = null)
        : RosetteFactory(database, settings: Settings(setting), logs: logs)
    {
        private static Dictionary<string, string?> Settings((string Key, string Value)? setting)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Rosette:Warmup:Enabled"] = "true",
                ["Rosette:Outbox:Enabled"] = "false",
                ["Rosette:Achievements:WorkerEnabled"] = "false",
                ["Rosette:Providers:DispatcherEnabled"] = "false",
            };
            if (setting is { } s)
            {
                settings[s.Key] = s.Value;
            }
            return settings;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services);
        }
    }

    /// <summary>The routes that this host's endpoint routing matched, from ASP.NET Core's routing meter (other hosts have their own).</summary>
    private sealed class RouteMatches : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string> _matched = new();

        public RouteMatches(IServiceProvider services)
        {
            var scope = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument is { Name: "aspnetcore.routing.match_attempts", Meter.Name: "Microsoft.AspNetCore.Routing" } && instrument.Meter.Scope == scope)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "http.route", Value: string route })
                    {
                        _matched.Enqueue(route);
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyCollection<string> Matched => _matched;

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Fails the warm-up's round, as a database fault in the middle of it would.</summary>
    private sealed class Refuse : DbCommandInterceptor
    {
        public const string Message = "refused by the test";

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            InsertsAchievement(command.CommandText) ? throw new InvalidOperationException(Message) : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            InsertsAchievement(command.CommandText) ? throw new InvalidOperationException(Message) : ValueTask.FromResult(result);
    }
}
