using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;

namespace Rosette.Bench;

/// <summary>
/// deliveries: a batch issued to students of a badge linked to a provider, until every award is delivered to a stand-in
/// Credly that answers in 50 ms; against a baseline of the same number of requests sent straight to it with the
/// dispatcher's concurrency (what the stand-in itself can take).
/// </summary>
internal static class DeliveriesBench
{
    public static async Task<int> RunAsync(int awards, int latencyMs, string provider)
    {
        await using var credly = await StartFakeCredlyAsync(latencyMs);
        var credlyUrl = $"{BenchClients.AddressOf(credly.Services)}v1";
        await using var database = await BenchDatabase.CreateAsync(provider);
        // The per-organization limit is raised to the round's concurrency: this measures what Rosette can send, not a
        // limit chosen to spare a real Credly organization (docs/benchmarks.md).
        await using var app = await BenchApp.StartAsync(database, settings: new Dictionary<string, string>
        {
            ["Rosette:Providers:DispatcherEnabled"] = "true",
            ["Rosette:Providers:ConcurrencyPerOrganization"] = "64",
            // The stand-in listens on loopback, which a provider's address may name only when allowed (docs/security.md).
            ["Rosette:Outbound:AllowPrivateNetworks"] = "true",
            ["Rosette:Providers:AllowedHosts:0"] = "127.0.0.1",
        });
        var world = await IssueBatchBench.SeedAsync(app.Services, badgeCount: 1, awards);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var providers = scope.ServiceProvider.GetRequiredService<ProvidersHandler>();
            var created = await providers.CreateAsync(Actor.System,
                new CreateProviderRequest("Credly", await OrganizationOfAsync(scope.ServiceProvider, world.ClassId), ProviderType.Credly, "org", "token", credlyUrl, null),
                CancellationToken.None);
            _ = (await providers.LinkBadgeAsync(Actor.System, world.BadgeIds[0], new LinkBadgeProviderRequest(created.Value.Id, "template"), CancellationToken.None)).Value;
        }
        var stopwatch = Stopwatch.StartNew();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var issued = await scope.ServiceProvider.GetRequiredService<IssueBadgesHandler>().HandleAsync(world.Admin, world.ClassId,
                new IssueBadgesRequest(world.BadgeIds, world.StudentIds, null, SuppressNotifications: true), null, CancellationToken.None);
            if (issued.Value.Issued.Count != awards)
            {
                throw new InvalidOperationException("Not every award was issued.");
            }
        }
        var issuedAt = stopwatch.Elapsed;
        while (await CountDeliveredAsync(app.Services) < awards)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The deliveries did not finish within 10 minutes.");
            }
            await Task.Delay(50);
        }
        var delivering = stopwatch.Elapsed - issuedAt;
        var raw = await RawRequestsAsync(credlyUrl, awards, app.Services.GetRequiredService<ProviderOptions>().Concurrency);
        var rate = awards / delivering.TotalSeconds;
        var rawRate = awards / raw.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"deliveries: awards={awards} provider_latency_ms={latencyMs} issue_seconds={issuedAt.TotalSeconds:F2} delivered_within_seconds={delivering.TotalSeconds:F2} awards_per_s={rate:F0} raw_requests_per_s={rawRate:F0} ratio={rate / rawRate:F2} database={provider}"));
        return 0;
    }

    private static async Task<Guid> OrganizationOfAsync(IServiceProvider services, Guid classId) =>
        await services.GetRequiredService<RosetteDb>().Classes.Where(c => c.Id == classId).Select(c => c.OrganizationId).SingleAsync();

    private static Task<int> CountDeliveredAsync(IServiceProvider services) =>
        WithDbAsync(services, db => db.ProviderDeliveries.CountAsync(d => d.Status == DeliveryStatus.Delivered));

    private static async Task<T> WithDbAsync<T>(IServiceProvider services, Func<RosetteDb, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<RosetteDb>());
    }

    private static async Task<TimeSpan> RawRequestsAsync(string credlyUrl, int count, int concurrency)
    {
        using var http = new HttpClient();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            using var response = await http.PostAsJsonAsync($"{credlyUrl}/organizations/org/badges", new { recipient_email = $"raw{i}@rosette.bench" }, ct);
            response.EnsureSuccessStatusCode();
        });
        return stopwatch.Elapsed;
    }

    /// <summary>A stand-in for Credly's issue and lookup calls on loopback, answering after a fixed delay.</summary>
    private static async Task<WebApplication> StartFakeCredlyAsync(int latencyMs)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var fake = builder.Build();
        fake.MapPost("/v1/organizations/{org}/badges", async () =>
        {
            await Task.Delay(latencyMs);
            return Results.Json(new { data = new { id = Guid.NewGuid(), state = "pending" } }, statusCode: 201);
        });
        fake.MapGet("/v1/organizations/{org}/badges", async () =>
        {
            await Task.Delay(latencyMs);
            return Results.Json(new { data = Array.Empty<object>() });
        });
        await fake.StartAsync();
        return fake;
    }
}
