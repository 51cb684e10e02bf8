using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Bench;

/// <summary>
/// achievements-throughput: events through the real API (10,000 per request) and the real worker until every event is
/// evaluated, against a raw baseline: the same event rows stored by one prepared single-row INSERT in one transaction.
/// The same POSTs are timed once more with the worker off (<c>ingest_alone_*</c>): the API's storing alone, as the baseline runs.
/// achievements-latency: a steady rate of events, each completing an achievement that issues a badge; the time from the
/// 202 answer to the committed badge, observed by polling the database.
/// </summary>
internal static class AchievementsBench
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static async Task<int> ThroughputAsync(int eventCount, int userCount, string provider)
    {
        var perUser = Math.Max(1, eventCount / userCount);
        TimeSpan total;
        TimeSpan ingest;
        int earnings;
        int badges;
        await using (var database = await BenchDatabase.CreateAsync(provider))
        await using (var app = await BenchApp.StartAsync(database, settings: new Dictionary<string, string> { ["Rosette:Achievements:WorkerEnabled"] = "true" }))
        {
            var stopwatch = await SeedAndPostAsync(app, userCount, perUser, eventCount);
            ingest = stopwatch.Elapsed;
            await WaitAsync(app.Services, async db => !await db.ActivityEvents.AnyAsync(e => e.ProcessedAt == null), TimeSpan.FromMilliseconds(20));
            total = stopwatch.Elapsed;
            (earnings, badges) = await CountAsync(app.Services);
        }
        TimeSpan raw;
        await using (var database = await BenchDatabase.CreateAsync(provider))
        await using (var app = await BenchApp.StartAsync(database))
        {
            var world = await SeedAsync(app.Services, userCount, latency: false);
            raw = await RawInsertAsync(app.Services, world, Events(world.Students, perUser).Take(eventCount).ToList());
        }
        // The same POSTs with the worker off: the API's storing alone, as the raw baseline runs alone (on SQLite the worker
        // otherwise takes turns with the POSTs at the one write lock).
        TimeSpan alone;
        await using (var database = await BenchDatabase.CreateAsync(provider))
        await using (var app = await BenchApp.StartAsync(database))
        {
            alone = (await SeedAndPostAsync(app, userCount, perUser, eventCount)).Elapsed;
        }
        var rate = eventCount / total.TotalSeconds;
        var rawRate = eventCount / raw.TotalSeconds;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        var ingestRate = eventCount / ingest.TotalSeconds;
        var aloneRate = eventCount / alone.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"achievements-throughput: events={eventCount} users={userCount} seconds={total.TotalSeconds:F2} events_per_s={rate:F0} ingest_s={ingest.TotalSeconds:F2} ingest_events_per_s={ingestRate:F0} raw_insert_events_per_s={rawRate:F0} ratio={rate / rawRate:F2} ingest_ratio={ingestRate / rawRate:F2} ingest_alone_events_per_s={aloneRate:F0} ingest_alone_ratio={aloneRate / rawRate:F2} earnings={earnings} badges={badges} peak_mb={peak} database={provider}"));
        return 0;
    }

    /// <summary>
    /// Stores the students, then posts their events in requests of the API's maximum size, one after another; returns the
    /// stopwatch started at the first POST, still running. The response bodies are read in full, as a sender reads its outcomes.
    /// </summary>
    private static async Task<Stopwatch> SeedAndPostAsync(BenchHost app, int userCount, int perUser, int eventCount)
    {
        var world = await SeedAsync(app.Services, userCount, latency: false);
        using var client = await BenchClients.ApiClientAsync(app, world.Admin.Id);
        // The sender's serializing is the sender's work, on its own machine: the bodies are written before the clock starts,
        // as the raw baseline's rows are built before its clock starts.
        var bodies = Events(world.Students, perUser).Take(eventCount).Chunk(Rosette.Domain.Achievements.ActivityEvent.MaxPerRequest)
            .Select(request => JsonSerializer.SerializeToUtf8Bytes(request, Json)).ToList();
        var stopwatch = BenchApp.StartClock();
        foreach (var body in bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("/api/v1/activity-events", content);
            response.EnsureSuccessStatusCode();
        }
        return stopwatch;
    }

    /// <summary>
    /// The steady state: <paramref name="warmup"/> seconds at the rate first (the process starts cold: JIT, query compilation,
    /// the connection pool), then <paramref name="seconds"/> measured at the same rate without a pause. The first 10 s of
    /// the warm-up are reported apart, as <c>cold_p95_ms</c>. With <paramref name="fromReady"/> the events start when
    /// <c>/health/ready</c> first answers 200, as a load balancer sends traffic; otherwise as soon as the app has started and
    /// the bench's data is in. Either way <c>ready_ms</c> is the time from starting the app to that first 200, and
    /// <c>traffic_ms</c> the time from starting the app to the first event.
    /// </summary>
    public static async Task<int> LatencyAsync(int rate, int seconds, int warmup, bool fromReady, string provider)
    {
        const int TicksPerSecond = 100;
        var perTick = Math.Max(1, rate / TicksPerSecond);
        var warmupTicks = TicksPerSecond * warmup;
        var ticks = warmupTicks + TicksPerSecond * seconds;
        var eventCount = perTick * ticks;
        await using var database = await BenchDatabase.CreateAsync(provider);
        var starting = Stopwatch.StartNew();
        await using var app = await BenchApp.StartAsync(database, settings: new Dictionary<string, string> { ["Rosette:Achievements:WorkerEnabled"] = "true" }, warm: false);
        var ready = ReadyAsync(app, starting);
        var world = await SeedAsync(app.Services, eventCount, latency: true);
        using var client = await BenchClients.ApiClientAsync(app, world.Admin.Id);
        if (fromReady)
        {
            await ready;
        }
        var traffic = starting.Elapsed;
        var accepted = new long[eventCount]; // each event's 202 time, written once by the request that sent it
        var observed = new ConcurrentDictionary<string, long>();
        var posts = new ConcurrentBag<double>();
        using var stop = new CancellationTokenSource();
        var observer = Task.Run(() => ObserveAsync(app.Services, observed, eventCount, stop.Token));

        var clock = Stopwatch.StartNew();
        var sends = new List<Task>();
        var measuredFrom = TimeSpan.Zero;
        for (var tick = 0; tick < ticks; tick++)
        {
            var due = TimeSpan.FromSeconds((double)tick / TicksPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            if (tick == warmupTicks)
            {
                measuredFrom = clock.Elapsed;
            }
            var batch = Enumerable.Range(tick * perTick, perTick)
                .Select(i => new ActivityEventBody($"l{i}", world.Students[i], "lab_completed", "lab-1", DateTimeOffset.UtcNow.AddSeconds(-1), null)).ToArray();
            sends.Add(SendAsync(client, tick, batch, clock, accepted, tick >= warmupTicks ? posts : null));
        }
        await Task.WhenAll(sends);
        var sent = clock.Elapsed - measuredFrom;
        await observer.WaitAsync(TimeSpan.FromMinutes(5));
        List<double> Latencies(int fromTick, int toTick) => Enumerable.Range(fromTick * perTick, (toTick - fromTick) * perTick)
            .Select(i => observed.TryGetValue($"l{i}", out var seen) ? Math.Max(0, seen - accepted[i]) / (double)Stopwatch.Frequency * 1000 : double.NaN)
            .Order().ToList();
        var latencies = Latencies(warmupTicks, ticks);
        var cold = Latencies(0, Math.Min(warmupTicks, 10 * TicksPerSecond));
        var (earnings, badges) = await CountAsync(app.Services);
        var postTimes = posts.Order().ToList();
        var readyAfter = await ready;
        Console.WriteLine(FormattableString.Invariant(
            $"achievements-latency: rate={perTick * TicksPerSecond} warmup_s={warmup} seconds={seconds} events={eventCount - perTick * warmupTicks} achieved_rate={(eventCount - perTick * warmupTicks) / sent.TotalSeconds:F0} p50_ms={Percentile(latencies, 0.50):F0} p95_ms={Percentile(latencies, 0.95):F0} p99_ms={Percentile(latencies, 0.99):F0} max_ms={latencies[^1]:F0} post_p95_ms={Percentile(postTimes, 0.95):F0} cold_p95_ms={Percentile(cold, 0.95):F0} traffic_from={(fromReady ? "ready" : "start")} ready_ms={readyAfter.TotalMilliseconds:F0} traffic_ms={traffic.TotalMilliseconds:F0} badges={badges} database={provider}"));
        return badges == eventCount && earnings == eventCount ? 0 : 1;
    }

    /// <summary>Probes <c>/health/ready</c> every 50 ms, as a load balancer does (more often), until it answers 200; returns when, from <paramref name="starting"/>.</summary>
    private static async Task<TimeSpan> ReadyAsync(BenchHost app, Stopwatch starting)
    {
        using var probe = new HttpClient { BaseAddress = BenchClients.AddressOf(app.Services) };
        while (starting.Elapsed < TimeSpan.FromMinutes(5))
        {
            using var response = await probe.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return starting.Elapsed;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("/health/ready did not answer 200 within 5 minutes.");
    }

    private static async Task SendAsync(HttpClient client, int tick, ActivityEventBody[] batch, Stopwatch clock, long[] accepted, ConcurrentBag<double>? posts)
    {
        var start = clock.ElapsedTicks;
        var response = await client.PostAsJsonAsync("/api/v1/activity-events", batch, Json);
        response.EnsureSuccessStatusCode();
        var now = Stopwatch.GetTimestamp();
        posts?.Add((double)(clock.ElapsedTicks - start) / Stopwatch.Frequency * 1000);
        for (var i = 0; i < batch.Length; i++)
        {
            accepted[tick * batch.Length + i] = now;
        }
    }

    /// <summary>Polls for processed events: the badge commits in the same transaction as the event's processed mark.</summary>
    private static async Task ObserveAsync(IServiceProvider services, ConcurrentDictionary<string, long> observed, int expected, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Seq", "ExternalId" FROM "ActivityEvents" WHERE "ProcessedAt" IS NOT NULL AND "Seq" > @w ORDER BY "Seq" """;
        var watermark = command.CreateParameter();
        watermark.ParameterName = "@w";
        watermark.Value = 0L;
        command.Parameters.Add(watermark);
        // The watermark passes only Seqs seen without a gap: on PostgreSQL concurrent requests commit out of Seq order, and an
        // event committed (and processed) after a higher one would otherwise never be seen.
        var next = 1L;
        while (observed.Count < expected && !cancellationToken.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (reader.GetInt64(0) == next)
                    {
                        next++;
                    }
                    observed.TryAdd(reader.GetString(1), now);
                }
            }
            watermark.Value = next - 1;
            await Task.Delay(5, cancellationToken);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private sealed record ActivityEventBody(string Id, Guid UserId, string Type, string SubjectId, DateTimeOffset OccurredAt, double? Score);

    private sealed record BenchWorld(User Admin, List<Guid> Students);

    /// <summary>Per user: launch and complete five labs, in turn (lab_launched 1, lab_completed 1, lab_launched 2, ...).</summary>
    private static IEnumerable<ActivityEventBody> Events(List<Guid> students, int perUser)
    {
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        for (var k = 0; k < perUser; k++)
        {
            for (var s = 0; s < students.Count; s++)
            {
                var lab = k / 2 % 5 + 1;
                yield return new ActivityEventBody($"u{s}-{k}", students[s], k % 2 == 0 ? "lab_launched" : "lab_completed", $"lab-{lab}", start.AddSeconds(k * 10 + s % 10), null);
            }
        }
    }

    /// <summary>
    /// One organization taking part in achievements, its students, and achievements that give points and badges: for the
    /// throughput run "complete lab 1" (badge), "launch any lab" (points), "complete all five labs" (points, badge) and
    /// "50 points" (badge); for the latency run, "complete lab 1" (badge) only.
    /// </summary>
    private static async Task<BenchWorld> SeedAsync(IServiceProvider services, int userCount, bool latency)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var now = DateTime.UtcNow.AddDays(-1);
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var organization = Organization.Create(Actor.System, "Bench Academy", null, now).Value;
        organization.SetEnableAchievements(true);
        var admin = User.Create("bench.achievements@rosette.bench", "Bench", "Admin", organization.Id, UserRole.Administrator, now).Value;
        admin.MakeSystemAdministrator();
        var students = Enumerable.Range(0, userCount)
            .Select(i => User.Create($"learner{i}@rosette.bench", "Learner", $"Number {i:D6}", organization.Id, UserRole.Student, now).Value).ToList();
        var badges = Enumerable.Range(0, 3).Select(i => Badge.Create($"Bench badge {i}", "Automatic.", null, organization, false, null, [], now).Value).ToList();
        Achievement Make(string name, string conditions, int points, Badge? badge) =>
            Achievement.Create(organization.Id, new AchievementChanges(name, "", points, 1, FrequencyType.PerUser, true, badge?.Id, false),
                ConditionJson.Parse(conditions).Value, badge, now, new ValidationErrors()).Value;
        var labs = string.Join(",", Enumerable.Range(1, 5).Select(i => $$"""{"type":"lab_completed","labId":"lab-{{i}}"}"""));
        var launches = string.Join(",", Enumerable.Range(1, 5).Select(i => $$"""{"type":"lab_launched","labId":"lab-{{i}}"}"""));
        List<Achievement> achievements = latency
            ? [Make("Lab one", """{"type":"lab_completed","labId":"lab-1"}""", 10, badges[0])]
            :
            [
                Make("Lab one", """{"type":"lab_completed","labId":"lab-1"}""", 10, badges[0]),
                Make("Any launch", $$"""{"type":"any","conditions":[{{launches}}]}""", 5, null),
                Make("All five labs", $$"""{"type":"all","conditions":[{{labs}}]}""", 50, badges[1]),
                Make("Fifty points", """{"type":"points_at_least","points":50}""", 0, badges[2]),
            ];
        db.Organizations.Add(organization);
        db.Users.Add(admin);
        db.Badges.AddRange(badges);
        db.Achievements.AddRange(achievements);
        await db.SaveChangesAsync();
        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await db.InsertAsync(students, ignoreConflicts: false, s => s.Id, CancellationToken.None);
            await transaction.CommitAsync();
        }
        return new BenchWorld(admin, students.Select(s => s.Id).ToList());
    }

    private static async Task WaitAsync(IServiceProvider services, Func<RosetteDb, Task<bool>> done, TimeSpan poll)
    {
        while (true)
        {
            await using var scope = services.CreateAsyncScope();
            if (await done(scope.ServiceProvider.GetRequiredService<RosetteDb>()))
            {
                return;
            }
            await Task.Delay(poll);
        }
    }

    private static async Task<(int Earnings, int Badges)> CountAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        return (await db.AchievementAwards.CountAsync(), await db.Awards.CountAsync());
    }

    /// <summary>The engine's limit for storing the events alone: one prepared single-row INSERT per event, in one transaction.</summary>
    private static async Task<TimeSpan> RawInsertAsync(IServiceProvider services, BenchWorld world, List<ActivityEventBody> events)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var sqlite = connection is SqliteConnection;
        var stopwatch = BenchApp.StartClock();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO "ActivityEvents" ("ExternalId", "PostedById", "UserId", "Type", "SubjectId", "OccurredAt", "ReceivedAt")
            VALUES (@id, @by, @user, @type, @subject, @at, @received)
            """;
        var parameters = new[] { "@id", "@by", "@user", "@type", "@subject", "@at", "@received" }.Select(name => Add(command, name, sqlite)).ToArray();
        await command.PrepareAsync();
        var now = DateTime.UtcNow;
        foreach (var e in events)
        {
            parameters[0].Value = e.Id;
            parameters[1].Value = sqlite ? world.Admin.Id.ToString().ToUpperInvariant() : world.Admin.Id;
            parameters[2].Value = sqlite ? e.UserId.ToString().ToUpperInvariant() : e.UserId;
            parameters[3].Value = e.Type == "lab_launched" ? nameof(ActivityType.LabLaunched) : nameof(ActivityType.LabCompleted);
            parameters[4].Value = e.SubjectId;
            parameters[5].Value = e.OccurredAt.UtcDateTime;
            parameters[6].Value = now;
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return stopwatch.Elapsed;
    }

    private static DbParameter Add(DbCommand command, string name, bool sqlite)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (parameter is Npgsql.NpgsqlParameter npgsql)
        {
            npgsql.NpgsqlDbType = name switch
            {
                "@by" or "@user" => NpgsqlTypes.NpgsqlDbType.Uuid,
                "@at" or "@received" => NpgsqlTypes.NpgsqlDbType.TimestampTz,
                _ => NpgsqlTypes.NpgsqlDbType.Varchar,
            };
        }
        _ = sqlite;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RosetteApp.ConfigureJson(options);
        return options;
    }
}
