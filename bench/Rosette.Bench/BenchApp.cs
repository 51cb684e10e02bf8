using System.Diagnostics;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Bench;

/// <summary>
/// The app's services on a bench database: migrated, with background workers off so that nothing else competes, and
/// returned once the start-up warm-up has ended (ADR 0021), as a load balancer sends traffic once <c>/health/ready</c>
/// answers 200. Before that the warm-up took turns with a bench's first timed requests (on SQLite at the one write lock).
/// </summary>
internal static class BenchApp
{
    /// <summary>
    /// It listens on a free loopback port, whether the bench sends it requests or not: without an address Kestrel takes
    /// localhost:5000, and two benches at once (the test lanes run theirs side by side) failed with "address already in use".
    /// With <c>warm: false</c> it returns as soon as the host has started, for a bench that times the start itself.
    /// </summary>
    public static async Task<BenchHost> StartAsync(
        BenchDatabase database, bool workers = false, IDictionary<string, string>? settings = null, bool warm = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Configuration["Rosette:Database:Provider"] = database.Provider;
        builder.Configuration["ConnectionStrings:Rosette"] = database.ConnectionString;
        builder.Configuration["Rosette:Bootstrap:AdminEmail"] = "root@rosette.bench";
        builder.Configuration["Rosette:Bootstrap:AdminPassword"] = "bench-password-1";
        builder.Configuration["Rosette:DataProtection:CertificatePath"] = Path.Combine(Path.GetTempPath(), "rosette-bench-dataprotection.pfx");
        builder.Configuration["Rosette:Outbox:Enabled"] = workers.ToString();
        builder.Configuration["Rosette:Achievements:WorkerEnabled"] = workers.ToString();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.Configuration[key] = value;
        }
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddRosette();
        var app = builder.Build();
        app.UseRosette();
        await app.StartAsync();
        if (warm)
        {
            await app.Services.GetRequiredService<WarmupState>().Finished.WaitAsync(TimeSpan.FromMinutes(5));
        }
        return new BenchHost(app);
    }

    /// <summary>
    /// A stopwatch started on a collected heap: the garbage of what ran before (seeding, an earlier app in this process)
    /// is not collected on a timed phase's clock, the product's or its baseline's.
    /// </summary>
    public static Stopwatch StartClock()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Stopwatch.StartNew();
    }
}

/// <summary>
/// A started bench app. Disposing it stops the host first, as the app's own shutdown does: disposing a running
/// <see cref="WebApplication"/> disposes its container under the background loops, and a round that began in between
/// failed on the disposed container and logged an Error with its stack trace into the bench's output.
/// </summary>
internal sealed class BenchHost(WebApplication app) : IAsyncDisposable
{
    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
