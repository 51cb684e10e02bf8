using System.Diagnostics;
using System.Globalization;
using Rosette.Features.Issuance;

namespace Rosette.Bench;

/// <summary>Request latencies measured from a client on loopback against a served Release build, with /health as the baseline.</summary>
internal static class PagesBench
{
    /// <summary>issue-http: a badges x students batch through POST /api/v1/classes/{id}/badge-issuances, against the same handler called in-process.</summary>
    public static async Task<int> IssueHttpAsync(int studentCount, int runs, string provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await using var app = await BenchApp.StartAsync(database);
        var world = await IssueBatchBench.SeedAsync(app.Services, badgeCount: 2 * runs + 1, studentCount);
        using var client = await BenchClients.ApiClientAsync(app, world.Admin.UserId);
        var url = $"/api/v1/classes/{world.ClassId}/badge-issuances";
        async Task<double> OverHttp(Guid badge)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await client.PostAsJsonAsync(url, new { badgeIds = new[] { badge }, studentIds = world.StudentIds, suppressNotifications = true });
            var result = await response.Content.ReadFromJsonAsync<IssueBadgesResult>();
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            return result!.Issued.Count == world.StudentIds.Count ? elapsed : throw new InvalidOperationException("Not every pair was issued.");
        }
        async Task<double> InProcess(Guid badge)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredService<IssueBadgesHandler>();
            var stopwatch = Stopwatch.StartNew();
            var result = await handler.HandleAsync(world.Admin, world.ClassId, new IssueBadgesRequest([badge], world.StudentIds, null, true), null, CancellationToken.None);
            return result.Value.Issued.Count == world.StudentIds.Count ? stopwatch.Elapsed.TotalMilliseconds : throw new InvalidOperationException("Not every pair was issued.");
        }
        await OverHttp(world.BadgeIds[0]);
        var http = new List<double>();
        var handler = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            http.Add(await OverHttp(world.BadgeIds[1 + 2 * i]));
            handler.Add(await InProcess(world.BadgeIds[2 + 2 * i]));
        }
        var median = BenchClients.Percentile(http, 0.5);
        var handlerMedian = BenchClients.Percentile(handler, 0.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"issue-http: pairs={studentCount} requests={runs} median_ms={median:F0} p90_ms={BenchClients.Percentile(http, 0.9):F0} handler_median_ms={handlerMedian:F0} ratio={median / handlerMedian:F2} database={provider}"));
        return 0;
    }

    /// <summary>roster-page: a class's roster page and the Choose Student(s) search, against /health.</summary>
    public static async Task<int> RosterAsync(int studentCount, int runs, string provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await using var app = await BenchApp.StartAsync(database);
        var world = await IssueBatchBench.SeedAsync(app.Services, badgeCount: 5, studentCount);
        using var client = await BenchClients.PageClientAsync(app, world.Admin.UserId);
        var (roster, rosterP90) = await BenchClients.TimeGetsAsync(client, $"/classes/{world.ClassId}/roster", runs);
        var (deep, _) = await BenchClients.TimeGetsAsync(client, $"/classes/{world.ClassId}/roster?page={studentCount / 50}", runs);
        var (search, searchP90) = await BenchClients.TimeGetsAsync(client, $"/classes/{world.ClassId}/issue-badges?handler=Students&search=number%2000012&page=1", runs);
        var (health, _) = await BenchClients.TimeGetsAsync(client, "/health", runs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"roster-page: students={studentCount} roster_median_ms={roster:F1} roster_p90_ms={rosterP90:F1} last_page_median_ms={deep:F1} chooser_search_median_ms={search:F1} chooser_search_p90_ms={searchP90:F1} health_median_ms={health:F1} database={provider}"));
        return 0;
    }

    /// <summary>
    /// roster-badges: the roster page and the Issue Badges page of a class of 50 students whose organization has --badges
    /// badges allowing manual issuance (the Choose Badge(s) dialogs list them): median time and the HTML's size.
    /// </summary>
    public static async Task<int> RosterBadgesAsync(int badgeCount, int runs, string provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await using var app = await BenchApp.StartAsync(database);
        var world = await IssueBatchBench.SeedAsync(app.Services, badgeCount, studentCount: 50);
        using var client = await BenchClients.PageClientAsync(app, world.Admin.UserId);
        async Task<string> Measure(string name, string url)
        {
            var (median, p90) = await BenchClients.TimeGetsAsync(client, url, runs);
            var bytes = (await client.GetByteArrayAsync(url)).Length;
            return string.Create(CultureInfo.InvariantCulture, $" {name}_median_ms={median:F1} {name}_p90_ms={p90:F1} {name}_bytes={bytes}");
        }
        var roster = await Measure("roster", $"/classes/{world.ClassId}/roster");
        var issue = await Measure("issue_badges", $"/classes/{world.ClassId}/issue-badges");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"roster-badges: badges={badgeCount} students=50{roster}{issue} database={provider} loadavg={File.ReadAllText("/proc/loadavg").Trim()}"));
        return 0;
    }
}
