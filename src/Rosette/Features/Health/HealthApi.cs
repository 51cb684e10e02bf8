using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Rosette.Data;
using Rosette.Data.Upgrades;
using Rosette.Infrastructure.Hosting;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Health;

/// <summary>Rosette:Health: how far behind the background work may fall before an instance reports itself not ready.</summary>
public sealed class HealthOptions
{
    public const string Section = "Rosette:Health";

    /// <summary>The oldest activity event not yet evaluated may be this old.</summary>
    public TimeSpan MaxEventLag { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most overdue outbox message (mail, retroactive evaluation) may have waited this long past its due time.</summary>
    public TimeSpan MaxOutboxLag { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many badge provider deliveries may wait to be done.</summary>
    public int MaxDeliveryBacklog { get; set; } = 10_000;
}

/// <summary>
/// <c>/health</c>: 200 when the database answers, 503 otherwise. <c>/health/live</c>: 200 while the process serves
/// requests (restart it otherwise). <c>/health/ready</c>: 200 when the database answers, every migration is applied and
/// the backlogs are within <see cref="HealthOptions"/> and the start-up warm-up has ended (<see cref="StartupWarmup"/>); 503
/// with the failing checks otherwise. No sign-in; the answers name
/// checks and counts, never connection strings or error text.
/// </summary>
public static class HealthApi
{
    private const string Ready = "ready";

    public const string LivePath = "/health/live";

    private static readonly string[] ProbeMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IServiceCollection AddRosetteHealth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(HealthOptions.Section).Get<HealthOptions>() ?? new HealthOptions());
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", tags: [Ready])
            .AddCheck<MigrationsCheck>("migrations", tags: [Ready])
            .AddCheck<BacklogCheck>("backlog", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", async (RosetteDb db, CancellationToken ct) =>
                await DatabaseCheck.AnswersAsync(db, ct)
                    ? Results.Ok(new { status = "healthy" })
                    : Results.Problem(statusCode: 503, detail: "The database does not answer.", extensions: new Dictionary<string, object?> { ["code"] = "database_unavailable" }))
            .AllowAnonymous()
            .WithTags("Health");
        // Both probes answer GET and HEAD only, as the routes mapped with MapGet do (405 with Allow otherwise).
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithMetadata(new HttpMethodMetadata(ProbeMethods)).AllowAnonymous();
        app.MapMethods("/health/ready", ProbeMethods, ReadyAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// The ready checks, and the warm-up beside them. The warm-up is not one of the health service's checks: that service logs
    /// every unhealthy result as an Error, and an instance still warming up is not ready without anything having failed.
    /// </summary>
    private static async Task ReadyAsync(HttpContext context, HealthCheckService health, WarmupState warmup)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(Ready), context.RequestAborted);
        var warm = warmup.Current;
        var entries = new Dictionary<string, HealthReportEntry>(report.Entries)
        {
            ["warm-up"] = new(warm.Status, warm.Description, TimeSpan.Zero, warm.Exception, warm.Data),
        };
        var combined = new HealthReport(entries, report.TotalDuration);
        context.Response.StatusCode = combined.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        await WriteAsync(context, combined);
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = Name(e.Value.Status), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>Each check opens its own scope: the health service runs them at the same time.</summary>
    private abstract class RosetteCheck(IServiceScopeFactory scopes) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
            try
            {
                if (!await DatabaseCheck.AnswersAsync(db, cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("The database does not answer.");
                }
                return await CheckAsync(db, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The exception goes to the log only: its text may name hosts or databases.
                scope.ServiceProvider.GetRequiredService<ILogger<RosetteCheck>>().LogWarning(e, "Health check {Check} failed", context.Registration.Name);
                return HealthCheckResult.Unhealthy("The check failed; see the log.");
            }
        }

        protected abstract Task<HealthCheckResult> CheckAsync(RosetteDb db, CancellationToken cancellationToken);
    }

    private sealed class DatabaseCheck(IServiceScopeFactory scopes) : RosetteCheck(scopes)
    {
        /// <summary>False, not an exception, when the database is gone or refuses connections.</summary>
        public static async Task<bool> AnswersAsync(RosetteDb db, CancellationToken cancellationToken)
        {
            try
            {
                return await db.Database.CanConnectAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        protected override Task<HealthCheckResult> CheckAsync(RosetteDb db, CancellationToken cancellationToken) =>
            Task.FromResult(HealthCheckResult.Healthy("The database answers."));
    }

    private sealed class MigrationsCheck(IServiceScopeFactory scopes) : RosetteCheck(scopes)
    {
        protected override async Task<HealthCheckResult> CheckAsync(RosetteDb db, CancellationToken cancellationToken)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            if (pending > 0)
            {
                return HealthCheckResult.Unhealthy($"{pending} migration(s) not applied: run the migrate verb or restart with MigrateOnStart.");
            }
            // A database migrated by other means than Rosette's own (a script, EF's tools) has its data upgrades still to make.
            var upgrades = await db.Set<DataUpgrade>().CountAsync(u => u.DoneAt == null, cancellationToken);
            return upgrades == 0
                ? HealthCheckResult.Healthy("Every migration is applied.")
                : HealthCheckResult.Unhealthy($"{upgrades} data upgrade(s) not made: run the migrate verb or restart with MigrateOnStart.");
        }
    }

    private sealed class BacklogCheck(IServiceScopeFactory scopes, HealthOptions limits, TimeProvider clock) : RosetteCheck(scopes)
    {
        protected override async Task<HealthCheckResult> CheckAsync(RosetteDb db, CancellationToken cancellationToken)
        {
            var backlog = await Backlog.MeasureAsync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
            var behind = new List<string>();
            if (backlog.OldestPendingEventAge > limits.MaxEventLag)
            {
                behind.Add($"the oldest of {backlog.PendingEvents} activity events waiting has waited {backlog.OldestPendingEventAge.TotalSeconds:0} s (limit {limits.MaxEventLag.TotalSeconds:0} s)");
            }
            if (backlog.OutboxLag > limits.MaxOutboxLag)
            {
                behind.Add($"{backlog.OutboxDue} outbox messages are due, the oldest {backlog.OutboxLag.TotalSeconds:0} s overdue (limit {limits.MaxOutboxLag.TotalSeconds:0} s)");
            }
            if (backlog.DeliveriesDue > limits.MaxDeliveryBacklog)
            {
                behind.Add($"{backlog.DeliveriesDue} provider deliveries wait (limit {limits.MaxDeliveryBacklog})");
            }
            return behind.Count == 0
                ? HealthCheckResult.Healthy($"{backlog.PendingEvents} activity events, {backlog.OutboxDue} outbox messages and {backlog.DeliveriesDue} deliveries wait.")
                : HealthCheckResult.Unhealthy("Behind: " + string.Join("; ", behind) + ".");
        }
    }
}
