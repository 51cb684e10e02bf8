using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Hosting;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Achievements;

public sealed class AchievementOptions
{
    public const string Section = "Rosette:Achievements";

    /// <summary>Run the event worker in this instance (every instance may: they share the work, each event once).</summary>
    public bool WorkerEnabled { get; set; } = true;

    /// <summary>The largest <see cref="BatchSize"/> accepted.</summary>
    public const int MaxBatchSize = 100_000;

    /// <summary>
    /// Events per transaction, when set: larger batches are faster in all, smaller ones hold the database's locks for less.
    /// By default (<see cref="BatchSizeOn"/>) 2,000 on SQLite, whose one write lock the API's event POSTs wait for while a
    /// batch holds it, and 10,000 on PostgreSQL, which locks rows and lets them in (docs/benchmarks.md, session 28).
    /// </summary>
    public int? BatchSize { get; set; }

    /// <summary>How often an idle worker looks for events stored by other instances; its own instance's wake it at once.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Users per transaction in a retroactive evaluation.</summary>
    public int RetroactiveChunkSize { get; set; } = 1000;

    /// <summary>The batch size the worker uses on this database.</summary>
    public int BatchSizeOn(Data.DatabaseOptions database) => BatchSize ?? (database.IsPostgres ? 10_000 : 2_000);

    /// <summary>The largest <see cref="Loops"/> accepted.</summary>
    public const int MaxLoops = 16;

    /// <summary>
    /// PostgreSQL: the worker's loops in this instance, when set. Each evaluates the events of its own share of the students
    /// (<see cref="Data.UserShare"/>), so a student's events keep their order (docs/decisions/0009). By default one per
    /// processor, at most 4. SQLite has one write lock and always runs one loop.
    /// </summary>
    public int? Loops { get; set; }

    /// <summary>How many loops the worker runs on this database.</summary>
    public int LoopsOn(Data.DatabaseOptions database) => !database.IsPostgres ? 1 : Loops ?? Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Problem() =>
        BatchSize is < 1 or > MaxBatchSize ? $"{Section}:BatchSize must be from 1 to {MaxBatchSize}; it is {BatchSize}."
        : Loops is < 1 or > MaxLoops ? $"{Section}:Loops must be from 1 to {MaxLoops}; it is {Loops}."
        : RetroactiveChunkSize < 1 ? $"{Section}:RetroactiveChunkSize must be at least 1; it is {RetroactiveChunkSize}."
        : PollInterval <= TimeSpan.Zero ? $"{Section}:PollInterval must be positive; it is {PollInterval}."
        : null;
}

/// <summary>Wakes this instance's worker, every loop of it, as soon as events are committed here.</summary>
public sealed class ActivitySignal(AchievementOptions options, Data.DatabaseOptions database) : WakeSignal(options.LoopsOn(database));

/// <summary>
/// Takes turns at SQLite's single write lock within this process. Microsoft.Data.Sqlite retries a busy database only every
/// 150 ms, so a worker that starts its next batch the moment it commits would starve the API's writes; waiting here, in
/// order, instead keeps both moving. PostgreSQL locks rows, not the database, and needs no gate.
/// </summary>
public sealed class ActivityWriteGate(Data.DatabaseOptions database) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        if (database.IsPostgres)
        {
            return null;
        }
        await _gate.WaitAsync(cancellationToken);
        return new Turn(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            try
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    gate.Release();
                }
            }
            catch (ObjectDisposedException)
            {
                // The app is shutting down.
            }
        }
    }
}

/// <summary>
/// The background worker: processes pending activity events in batches until none are left, then waits for a signal or the
/// poll interval. On PostgreSQL it runs <see cref="AchievementOptions.LoopsOn"/> such loops, each on its share of the students.
/// </summary>
public sealed class AchievementWorker(
    IServiceScopeFactory scopes, ActivitySignal signal, AchievementOptions options, Data.DatabaseOptions database, RosetteMetrics metrics, ILogger<AchievementWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.WorkerEnabled)
        {
            return Task.CompletedTask;
        }
        var loops = options.LoopsOn(database);
        return Task.WhenAll(Enumerable.Range(0, loops).Select(i => RunAsync(new Data.UserShare(i, loops), stoppingToken)));
    }

    private Task RunAsync(Data.UserShare share, CancellationToken stoppingToken) =>
        signal.RunRoundsAsync(ct => ProcessPendingAsync(share, ct), options.PollInterval, (e, failures, ct) =>
        {
            // The batch rolled back: its events stay pending and are tried again, after a growing pause.
            logger.LogError(e, "The achievement worker failed (attempt {Attempt}); its batch stays pending.", failures);
            return Task.Delay(OutboxDispatcher.Backoff(Math.Min(failures, 6)), ct);
        }, stoppingToken);

    private async Task<int> ProcessPendingAsync(Data.UserShare share, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var processed = await scope.ServiceProvider.GetRequiredService<AchievementProcessor>().ProcessPendingAsync(options.BatchSizeOn(database), share, stoppingToken);
        metrics.EventsProcessed(processed);
        return processed;
    }
}

/// <summary>Retroactive evaluation, run by the outbox after an achievement is created, enabled, or given new conditions or a badge.</summary>
public sealed class RetroactiveEvaluationHandler(AchievementProcessor processor, AchievementOptions options) : IOutboxHandler
{
    public string Topic => AchievementTopics.Evaluate;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        processor.EvaluateRetroactivelyAsync(message.Read<EvaluateAchievement>().AchievementId, options.RetroactiveChunkSize, cancellationToken);
}

public static class AchievementRegistration
{
    public static IServiceCollection AddAchievements(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AchievementOptions.Section).Get<AchievementOptions>() ?? new AchievementOptions();
        if (options.Problem() is { } problem)
        {
            throw new StartupException(problem);
        }
        services.AddSingleton(options);
        services.AddSingleton<ActivitySignal>();
        services.AddSingleton<ActivityWriteGate>();
        services.AddScoped<AchievementProcessor>();
        services.AddScoped<IOutboxHandler, RetroactiveEvaluationHandler>();
        services.AddHostedService<AchievementWorker>();
        return services;
    }
}
