using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Providers;

namespace Rosette.Infrastructure.Telemetry;

/// <summary>
/// What the background work has still to do, measured in the shared database (so the same from every instance): the
/// activity events not yet evaluated and the age of the oldest, the outbox messages due and how long the most overdue one
/// has waited, the provider deliveries not done and those failed, and the mails given up.
/// </summary>
public sealed record Backlog(
    int PendingEvents, TimeSpan OldestPendingEventAge, int OutboxDue, TimeSpan OutboxLag, int DeliveriesDue, int DeliveriesFailed, int MailFailed)
{
    /// <summary>Each count reads a partial or leading index, so measuring stays cheap however large the tables grow.</summary>
    public static async Task<Backlog> MeasureAsync(RosetteDb db, DateTime now, CancellationToken cancellationToken)
    {
        var events = db.ActivityEvents.AsNoTracking().Where(e => e.ProcessedAt == null);
        var pendingEvents = await events.CountAsync(cancellationToken);
        var oldestEvent = await events.OrderBy(e => e.Seq).Select(e => (DateTime?)e.ReceivedAt).FirstOrDefaultAsync(cancellationToken);
        var due = db.OutboxMessages.AsNoTracking().Where(m => m.ProcessedAt == null && m.DueAt <= now);
        var outboxDue = await due.CountAsync(cancellationToken);
        var mostOverdue = await due.OrderBy(m => m.DueAt).Select(m => (DateTime?)m.DueAt).FirstOrDefaultAsync(cancellationToken);
        var deliveriesDue = await db.ProviderDeliveries.AsNoTracking()
            .CountAsync(ProviderDelivery.Due, cancellationToken);
        var deliveriesFailed = await db.ProviderDeliveries.AsNoTracking().CountAsync(d => d.Status == DeliveryStatus.Failed, cancellationToken);
        var mailFailed = await db.AwardNotifications.AsNoTracking().CountAsync(n => n.FailedAt != null, cancellationToken);
        return new Backlog(pendingEvents, Age(oldestEvent, now), outboxDue, Age(mostOverdue, now), deliveriesDue, deliveriesFailed, mailFailed);
    }

    private static TimeSpan Age(DateTime? since, DateTime now) => since is { } at && at < now ? now - at : TimeSpan.Zero;
}

public sealed class TelemetryOptions
{
    public const string Section = "Rosette:Telemetry";

    /// <summary>How often the backlog gauges are measured while something (an exporter) reads them.</summary>
    public TimeSpan BacklogInterval { get; set; } = TimeSpan.FromSeconds(15);

    public PrometheusOptions Prometheus { get; set; } = new();
}

/// <summary>The scrape endpoint: off unless enabled; when <see cref="Port"/> is set, answered only on connections to that local port.</summary>
public sealed class PrometheusOptions
{
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/metrics";

    public int? Port { get; set; }
}

/// <summary>Measures the <see cref="Backlog"/> for the gauges every <see cref="TelemetryOptions.BacklogInterval"/>, only while an exporter takes them.</summary>
public sealed class BacklogMonitor(IServiceScopeFactory scopes, RosetteMetrics metrics, TelemetryOptions options, TimeProvider clock, ILogger<BacklogMonitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (metrics.BacklogObserved)
                {
                    await MeasureAsync(stoppingToken);
                }
                await Task.Delay(options.BacklogInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Measuring the backlog failed; the gauges keep their last values.");
                await Task.Delay(options.BacklogInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async Task<Backlog> MeasureAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var backlog = await Backlog.MeasureAsync(scope.ServiceProvider.GetRequiredService<RosetteDb>(), clock.GetUtcNow().UtcDateTime, cancellationToken);
        metrics.Record(backlog);
        return backlog;
    }
}
