using Rosette.Data;
using Rosette.Domain;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Infrastructure.Outbox;

public sealed class OutboxOptions
{
    public const string Section = "Rosette:Outbox";

    public bool Enabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    public int BatchSize { get; set; } = 20;

    /// <summary>After this many failed attempts (about a day of backoff) a message is set aside with its last error.</summary>
    public int MaxAttempts { get; set; } = 30;

    /// <summary>Whether the attempt about to be made is the message's last (handlers give up what still fails then).</summary>
    public bool IsLastAttempt(OutboxMessage message) => message.Attempts + 1 >= MaxAttempts;
}

/// <summary>
/// Runs the outbox: claims due messages (on PostgreSQL with FOR UPDATE SKIP LOCKED, so instances never take the same
/// message), runs the handlers of each, and marks it processed, or schedules a retry with exponential backoff.
/// A crashed instance's claims expire and another instance takes the messages over.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes, OutboxSignal signal, OutboxOptions options, RosetteMetrics metrics, TimeProvider clock, ILogger<OutboxDispatcher> logger)
    : BackgroundService
{
    private readonly string _instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Enabled
            ? signal.RunRoundsAsync(RunOnceAsync, options.PollInterval, (e, _, ct) =>
            {
                logger.LogError(e, "The outbox dispatcher failed; retrying shortly.");
                return Task.Delay(options.PollInterval, ct);
            }, stoppingToken)
            : Task.CompletedTask;

    /// <summary>Claims and processes one round of due messages; returns how many it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        List<OutboxMessage> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            claimed = await ClaimAsync(scope.ServiceProvider.GetRequiredService<OutboxStore>(), cancellationToken);
        }
        foreach (var message in claimed)
        {
            await ProcessAsync(message, cancellationToken);
        }
        return claimed.Count;
    }

    private Task<List<OutboxMessage>> ClaimAsync(OutboxStore store, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return store.ClaimAsync(_instance, now, now + options.ClaimDuration, options.BatchSize, cancellationToken);
    }

    private async Task ProcessAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        using var span = RosetteTracing.Source.StartActivity($"outbox {message.Topic}");
        span?.SetTag("rosette.outbox.attempt", message.Attempts + 1);
        await using var scope = scopes.CreateAsyncScope();
        var handlers = scope.ServiceProvider.GetServices<IOutboxHandler>().Where(h => h.Topic == message.Topic).ToList();
        string? error = null;
        try
        {
            foreach (var handler in handlers)
            {
                await handler.HandleAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            error = $"{e.GetType().Name}: {e.Message}";
            logger.LogWarning(e, "Outbox message {Id} ({Topic}) failed on attempt {Attempt}", message.Id, message.Topic, message.Attempts + 1);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var attempts = message.Attempts + 1;
        var giveUp = error is not null && attempts >= options.MaxAttempts;
        var due = error is null ? message.DueAt : now + Backoff(attempts);
        DateTime? processedAt = error is null || giveUp ? now : null;
        var lastError = error is null ? null : error[..Math.Min(error.Length, 2000)];
        if (error is not null)
        {
            metrics.OutboxFailed(message.Topic, final: giveUp);
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
        }
        await scope.ServiceProvider.GetRequiredService<OutboxStore>().SettleAsync(message, _instance, attempts, processedAt, due, lastError, CancellationToken.None);
    }

    /// <summary>Exponential, capped at an hour, with jitter so that instances do not retry in step.</summary>
    public static TimeSpan Backoff(int attempt) => Retries.Backoff(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
}

public static class OutboxRegistration
{
    public static IServiceCollection AddOutbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions());
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        return services;
    }
}
