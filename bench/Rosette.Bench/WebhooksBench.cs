using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Features.Issuance;
using Rosette.Features.Webhooks;

namespace Rosette.Bench;

/// <summary>
/// webhooks: a badges x students batch with an endpoint subscribed to award.issued and batch.completed, from the batch's
/// commit until a receiver on loopback answering in 50 ms has acknowledged every event; against a baseline of the same
/// signed requests sent straight to it, with the dispatcher's HTTP client and its concurrency for one endpoint, no database.
/// </summary>
internal static class WebhooksBench
{
    public static async Task<int> RunAsync(int badgeCount, int studentCount, int latencyMs, string provider)
    {
        var receiver = await Receiver.StartAsync(latencyMs);
        await using var _ = receiver;
        await using var database = await BenchDatabase.CreateAsync(provider);
        await using var app = await BenchApp.StartAsync(database, workers: true, settings: new Dictionary<string, string>
        {
            ["Rosette:Outbound:AllowPrivateNetworks"] = "true",
            ["Rosette:Providers:DispatcherEnabled"] = "false",
        });
        var world = await IssueBatchBench.SeedAsync(app.Services, badgeCount, studentCount);
        string secret;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var organizationId = await scope.ServiceProvider.GetRequiredService<RosetteDb>().Classes.Where(c => c.Id == world.ClassId)
                .Select(c => c.OrganizationId).SingleAsync();
            var created = await scope.ServiceProvider.GetRequiredService<WebhookEndpointsHandler>().CreateAsync(Actor.System,
                new CreateWebhookEndpointRequest(organizationId, receiver.Url, [WebhookEventTypes.AwardIssued, WebhookEventTypes.BatchCompleted], "bench"),
                CancellationToken.None);
            secret = created.Value.Secret!;
        }
        receiver.Secret = secret;
        var pairs = badgeCount * studentCount;
        var expected = pairs + 1;
        var acknowledged = receiver.Expect(expected);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var issued = await scope.ServiceProvider.GetRequiredService<IssueBadgesHandler>().HandleAsync(world.Admin, world.ClassId,
                new IssueBadgesRequest(world.BadgeIds, world.StudentIds, null, SuppressNotifications: true), null, CancellationToken.None);
            if (issued.Value.Issued.Count != pairs)
            {
                throw new InvalidOperationException("Not every pair was issued.");
            }
        }
        // The clock starts at the batch's commit: the handler has returned.
        var stopwatch = Stopwatch.StartNew();
        var committed = Stopwatch.GetTimestamp();
        var firstEvents = WaitForEventsAsync(app.Services, stopwatch);
        var all = Stopwatch.GetElapsedTime(committed, await acknowledged.WaitAsync(TimeSpan.FromMinutes(20)));
        var recorded = await firstEvents;
        while (await CountAsync(app.Services, db => db.WebhookDeliveries.CountAsync(d => d.Status == WebhookDeliveryStatus.Delivered)) < expected)
        {
            await Task.Delay(20);
        }
        var stored = stopwatch.Elapsed;
        var product = receiver.Stats();

        // The baseline: the same bodies, signed at send time, through the dispatcher's HTTP client, with its concurrency for one endpoint.
        var bodies = await CountAsync(app.Services, db => db.WebhookEvents.AsNoTracking().Select(e => new { e.Id, e.Payload }).ToListAsync());
        var options = app.Services.GetRequiredService<WebhookOptions>();
        var concurrency = Math.Min(options.Concurrency, options.ConcurrencyPerEndpoint);
        var http = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookDispatcher.HttpClientName);
        var rawDone = receiver.Expect(bodies.Count);
        var rawStarted = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (e, ct) =>
        {
            var id = e.Id.ToString();
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(e.Payload, Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, id, timestamp, e.Payload));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
        });
        var rawAll = Stopwatch.GetElapsedTime(rawStarted, await rawDone.WaitAsync(TimeSpan.FromMinutes(20)));
        var baseline = receiver.Stats();

        var rate = expected / all.TotalSeconds;
        var rawRate = bodies.Count / rawAll.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"webhooks: pairs={pairs} webhooks={expected} receiver_latency_ms={latencyMs} concurrency={concurrency} events_recorded_seconds={recorded.TotalSeconds:F2} seconds={all.TotalSeconds:F2} delivered_recorded_seconds={stored.TotalSeconds:F2} per_s={rate:F0} baseline_per_s={rawRate:F0} ratio={rate / rawRate:F2} duplicates={product.Duplicates} bad_signatures={product.BadSignatures + baseline.BadSignatures} database={provider}"));
        return 0;
    }

    /// <summary>When the outbox has recorded the batch's events (the deliveries exist): the part of the time before any can be sent.</summary>
    private static async Task<TimeSpan> WaitForEventsAsync(IServiceProvider services, Stopwatch stopwatch)
    {
        while (await CountAsync(services, db => db.WebhookEvents.AnyAsync(e => e.Type == WebhookEventTypes.BatchCompleted)) == false
            || await CountAsync(services, db => db.OutboxMessages.AnyAsync(m => m.ProcessedAt == null)))
        {
            await Task.Delay(20);
        }
        return stopwatch.Elapsed;
    }

    private static async Task<T> CountAsync<T>(IServiceProvider services, Func<RosetteDb, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<RosetteDb>());
    }

    /// <summary>A receiver as a real one would be: checks each signature, answers after a fixed delay, and notes when it has acknowledged every id it expects.</summary>
    private sealed class Receiver(WebApplication app) : IAsyncDisposable
    {
        private ConcurrentDictionary<string, byte> _seen = new();
        private TaskCompletionSource<long> _done = new();
        private int _expected;
        private int _duplicates;
        private int _badSignatures;

        public string Url { get; } = $"{BenchClients.AddressOf(app.Services)}hooks";

        public string Secret { get; set; } = "";

        public static async Task<Receiver> StartAsync(int latencyMs)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var web = builder.Build();
            Receiver? receiver = null;
            web.MapPost("/hooks", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                await Task.Delay(latencyMs);
                receiver!.Acknowledge(request.Headers["webhook-id"].ToString(), long.Parse(request.Headers["webhook-timestamp"].ToString(), CultureInfo.InvariantCulture),
                    request.Headers["webhook-signature"].ToString(), body);
                return Results.NoContent();
            });
            await web.StartAsync();
            receiver = new Receiver(web);
            return receiver;
        }

        /// <summary>Completes with the timestamp (<see cref="Stopwatch.GetTimestamp"/>) of the last of <paramref name="count"/> different ids' acknowledgements.</summary>
        public Task<long> Expect(int count)
        {
            _seen = new ConcurrentDictionary<string, byte>();
            _done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _duplicates = 0;
            _badSignatures = 0;
            _expected = count;
            return _done.Task;
        }

        public (int Duplicates, int BadSignatures) Stats() => (_duplicates, _badSignatures);

        private void Acknowledge(string id, long timestamp, string signature, string body)
        {
            if (WebhookSignature.Sign(Secret, id, timestamp, body) != signature)
            {
                Interlocked.Increment(ref _badSignatures);
            }
            if (!_seen.TryAdd(id, 0))
            {
                Interlocked.Increment(ref _duplicates);
            }
            else if (_seen.Count == _expected)
            {
                _done.TrySetResult(Stopwatch.GetTimestamp());
            }
        }

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
