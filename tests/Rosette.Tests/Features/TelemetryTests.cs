using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Telemetry;
using Rosette.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Rosette.Tests.Features;

/// <summary>
/// The app with OpenTelemetry on (OTLP to a local collector stand-in, Prometheus scraping), its background loops off so
/// that backlogs stay where the tests put them, and a readiness limit of a minute for the event lag.
/// </summary>
public sealed class TelemetryFixture : AppFixture
{
    public WireMockServer Collector { get; } = WireMockServer.Start();

    public ConcurrentQueue<Activity> Spans { get; } = new();

    public Dictionary<string, string?> Settings => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Collector.Url,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["Rosette:Telemetry:Prometheus:Enabled"] = "true",
        ["Rosette:Achievements:WorkerEnabled"] = "false",
        ["Rosette:Outbox:Enabled"] = "false",
        ["Rosette:Providers:DispatcherEnabled"] = "false",
        ["Rosette:Health:MaxEventLag"] = "00:01:00",
    };

    protected override RosetteFactory CreateFactory(TestDatabase database)
    {
        Collector.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        Collector.Given(Request.Create().WithPath("/ping").UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithBody("pong"));
        return new SpanFactory(database, Settings, Spans);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Collector.Stop();
    }

    /// <summary>Also keeps every span in memory, beside the OTLP export.</summary>
    private sealed class SpanFactory(TestDatabase database, Dictionary<string, string?> settings, ConcurrentQueue<Activity> spans)
        : RosetteFactory(database, settings: settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(new QueueCollection(spans))));
        }
    }

    /// <summary>The in-memory exporter adds from the export thread while tests read.</summary>
    private sealed class QueueCollection(ConcurrentQueue<Activity> queue) : ICollection<Activity>
    {
        public int Count => queue.Count;

        public bool IsReadOnly => false;

        public void Add(Activity item) => queue.Enqueue(item);

        public void Clear() => queue.Clear();

        public bool Contains(Activity item) => queue.Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => queue.CopyTo(array, arrayIndex);

        public bool Remove(Activity item) => throw new NotSupportedException();

        public IEnumerator<Activity> GetEnumerator() => queue.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// While a host with OpenTelemetry tracing runs in the test process, its HTTP client instrumentation listens to every
/// HttpClient of the process and writes its own <c>traceparent</c> into their requests, over one a test set. Test classes
/// that send a <c>traceparent</c> of their own therefore never run beside <see cref="TelemetryTests"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessWideTracing
{
    public const string Name = "Process-wide tracing";
}

[Collection(ProcessWideTracing.Name)]
public sealed class TelemetryTests(TelemetryFixture app) : IClassFixture<TelemetryFixture>
{
    /// <summary>Listens to this host's Rosette meter only (other test hosts have meters of their own).</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _seen = new();

        public Measurements(IServiceProvider services)
        {
            var scope = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RosetteMetrics.MeterName && instrument.Meter.Scope == scope)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
            _listener.Start();
        }

        public IEnumerable<(double Value, Dictionary<string, object?> Tags)> Of(string name) =>
            _seen.Where(m => m.Name == name).Select(m => (m.Value, m.Tags));

        public void Observe() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _seen.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
    }

    [Fact]
    public async Task Metrics_IssuanceAndRevocation_AreRecordedWithTheirValues()
    {
        using var metrics = new Measurements(app.Factory.Services);
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var batch = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new
        {
            badgeIds = new[] { world.Manual.Id, world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentA2.Id, world.StudentOutside.Id },
        })).IsOkAsync<IssueBadgesResult>();
        (await admin.PostJsonAsync($"/api/v1/awards/{batch.Issued[0].AwardId}/revocation", new { reason = "Metrics" })).EnsureSuccessStatusCode();

        Assert.Equal((4, 2), (batch.Issued.Count, batch.Failed.Count));
        var issued = Assert.Single(metrics.Of("rosette.awards.issued"));
        Assert.Equal((4d, "roster"), (issued.Value, issued.Tags["source"]));
        Assert.Equal(6d, Assert.Single(metrics.Of("rosette.issuance.batch.pairs")).Value);
        Assert.InRange(Assert.Single(metrics.Of("rosette.issuance.batch.duration")).Value, 1e-6, 120);
        Assert.Equal(1d, Assert.Single(metrics.Of("rosette.awards.revoked")).Value);
    }

    [Fact]
    public async Task BacklogGauges_AndReadiness_FollowTheWaitingWork()
    {
        using var metrics = new Measurements(app.Factory.Services);
        var world = await app.NewWorldAsync();
        var now = DateTime.UtcNow;
        var waiting = Rosette.Domain.Achievements.ActivityEvent.Create($"lag-{Guid.NewGuid():N}", world.AdminRoot.Id, world.StudentA1.Id, Rosette.Domain.Achievements.ActivityType.LabCompleted, "lab-lag", now.AddMinutes(-3), null, now.AddMinutes(-2));
        var message = await app.Factory.WithDbAsync(async db =>
        {
            db.ActivityEvents.Add(waiting);
            var due = db.Publish("telemetry.test", new { }, now.AddMinutes(-1));
            await db.SaveChangesAsync();
            return due;
        });
        var client = app.Factory.CreateClient();
        // Other tests of this class leave their own work waiting (the loops are off), so the gauges must equal what the
        // database holds, which includes the two rows put here.
        var (eventsPending, outboxDue) = await app.Factory.WithDbAsync(async db => (
            await db.ActivityEvents.CountAsync(e => e.ProcessedAt == null),
            await db.OutboxMessages.CountAsync(m => m.ProcessedAt == null && m.DueAt <= DateTime.UtcNow)));

        await app.Factory.Services.GetRequiredService<BacklogMonitor>().MeasureAsync(CancellationToken.None);
        metrics.Observe();
        var behind = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");
        var health = await client.GetAsync("/health");
        await app.Factory.WithDbAsync(async db =>
        {
            await db.ActivityEvents.Where(e => e.Seq == waiting.Seq).ExecuteUpdateAsync(s => s.SetProperty(e => e.ProcessedAt, DateTime.UtcNow));
            await db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ProcessedAt, DateTime.UtcNow));
        });
        var caughtUp = await client.GetAsync("/health/ready");

        Assert.InRange(Assert.Single(metrics.Of("rosette.activity.event_lag")).Value, 115, 600);
        Assert.Equal(eventsPending, Assert.Single(metrics.Of("rosette.activity.events.pending")).Value);
        Assert.Equal(outboxDue, Assert.Single(metrics.Of("rosette.outbox.backlog")).Value);
        Assert.InRange(outboxDue, 1, 50);
        Assert.InRange(Assert.Single(metrics.Of("rosette.outbox.lag")).Value, 55, 600);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, behind.StatusCode);
        var report = JsonDocument.Parse(await behind.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unhealthy", report.GetProperty("status").GetString());
        var backlog = report.GetProperty("checks").GetProperty("backlog");
        Assert.Equal("unhealthy", backlog.GetProperty("status").GetString());
        Assert.Contains("activity events", backlog.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("healthy", report.GetProperty("checks").GetProperty("migrations").GetProperty("status").GetString());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, health.StatusCode));
        Assert.Equal(HttpStatusCode.OK, caughtUp.StatusCode);
    }

    [Fact]
    public async Task Traces_AndMetrics_AreExportedOverOtlp_WithRequestDatabaseAndHttpSpans()
    {
        var world = await app.NewWorldAsync();
        var marker = Guid.NewGuid();
        var admin = await app.ClientAsync(world.AdminRoot);

        // Other test classes' hosts run in this process, and this host's tracing records their requests too: the User-Agent
        // names this test's request (query values are recorded redacted, so the marker in the query cannot).
        var userAgent = $"rosette-telemetry-test/{marker:N}";
        using (var awards = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/awards?studentId={marker}"))
        {
            awards.Headers.UserAgent.ParseAdd(userAgent);
            (await admin.SendAsync(awards)).EnsureSuccessStatusCode();
        }
        using (var http = app.Factory.Services.GetRequiredService<IHttpClientFactory>().CreateClient())
        {
            Assert.Equal("pong", await http.GetStringAsync($"{app.Collector.Url}/ping?marker={marker}"));
        }
        Assert.True(app.Factory.Services.GetRequiredService<TracerProvider>().ForceFlush());
        // The Prometheus reader cannot flush (it is scraped), so this answers false; the OTLP reader exports all the same.
        app.Factory.Services.GetRequiredService<MeterProvider>().ForceFlush();

        var request = Assert.Single(app.Spans, s => s.Kind == ActivityKind.Server && s.GetTagItem("user_agent.original") as string == userAgent);
        Assert.Equal("/api/v1/awards", request.GetTagItem("url.path"));
        Assert.Contains("studentId", request.GetTagItem("url.query") as string, StringComparison.Ordinal);
        Assert.Contains(app.Spans, s => s.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal) && s.TraceId == request.TraceId);
        Assert.Contains(app.Spans, s => s.Kind == ActivityKind.Client && (s.GetTagItem("url.full") as string)?.Contains("/ping", StringComparison.Ordinal) == true);
        var exports = app.Collector.LogEntries.Select(e => e.RequestMessage!).ToList();
        Assert.Contains(exports, r => r.Path == "/v1/traces" && r.Headers!["Content-Type"].Single().StartsWith("application/x-protobuf", StringComparison.Ordinal));
        Assert.Contains(exports, r => r.Path == "/v1/metrics");
    }

    [Fact]
    public async Task Prometheus_ServesRosettesMetrics_ButOnlyOnItsPortWhenOneIsSet()
    {
        var world = await app.NewWorldAsync();
        (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentB1.Id } })).EnsureSuccessStatusCode();
        var settings = app.Settings;
        settings["Rosette:Telemetry:Prometheus:Port"] = "9464";
        await using var portOnly = new RosetteFactory(app.Database, settings: settings);

        var scrape = await app.Factory.CreateClient().GetAsync("/metrics");
        var elsewhere = await portOnly.CreateClient().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var text = await scrape.Content.ReadAsStringAsync();
        Assert.Matches(@"(?m)^rosette_awards_issued_total\{[^}]*source=""roster""[^}]*\} \d+", text);
        Assert.Contains("rosette_issuance_batch_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.DoesNotContain(world.StudentB1.Email, text, StringComparison.Ordinal);
        // The test server's connections come to no port: a scrape endpoint tied to port 9464 does not answer them.
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
    }
}
