using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Features.Achievements;
using Rosette.Features.Health;

namespace Rosette.Infrastructure.Hosting;

/// <summary>Rosette:Warmup: the work an instance does once after start-up, before it reports itself ready.</summary>
public sealed class WarmupOptions
{
    public const string Section = "Rosette:Warmup";

    public bool Enabled { get; set; } = true;

    /// <summary>The warm-up is given up after this long, and the instance reports ready all the same.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>PostgreSQL: database connections opened at once and used once, so that their server processes exist before traffic does.</summary>
    public int Connections { get; set; } = 10;
}

/// <summary>Where this instance's warm-up stands; the readiness check reads it.</summary>
public sealed class WarmupState
{
    private readonly TaskCompletionSource<HealthCheckResult> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the warm-up has ended: healthy when it did its work or is turned off, degraded when it failed or ran out of time.</summary>
    public Task<HealthCheckResult> Finished => _finished.Task;

    public void End(HealthCheckResult outcome) => _finished.TrySetResult(outcome);

    /// <summary>For <c>/health/ready</c>: not ready while the warm-up runs; then how it ended (degraded still serves).</summary>
    public HealthCheckResult Current => _finished.Task.IsCompletedSuccessfully ? _finished.Task.Result : HealthCheckResult.Unhealthy("Warming up.");
}

/// <summary>
/// The app's request pipeline from routing on, captured when the server builds it (<see cref="RosetteApp.UseRosette"/>), so
/// that the warm-up can send one request through it in-process: routing builds its matcher of every endpoint on the first
/// request an instance serves (about 300 ms on a quiet machine, paid by that request), and no other part of the warm-up
/// passes through routing.
/// </summary>
public sealed class WarmupPipeline(IServiceScopeFactory scopes)
{
    private readonly TaskCompletionSource<RequestDelegate> _pipeline = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set(RequestDelegate pipeline) => _pipeline.TrySetResult(pipeline);

    /// <summary>
    /// Sends a GET of <paramref name="path"/> from the loopback address through the pipeline, with its own service scope and no
    /// credentials; its status code.
    /// </summary>
    public async Task<int> GetAsync(string path, CancellationToken cancellationToken)
    {
        var pipeline = await _pipeline.Task.WaitAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = cancellationToken };
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Response.Body = Stream.Null;
        await pipeline(context);
        return context.Response.StatusCode;
    }
}

/// <summary>
/// Runs the hot paths once after start-up, before the instance reports ready (see ADR 0021): the event ingest on events that
/// are all refused (nothing is written), one round of the achievement worker on a throw-away organization, student, badge and
/// achievement inside a transaction that is rolled back, on PostgreSQL a set of pooled connections, and a request for
/// <c>/health/live</c> through the app's own pipeline (<see cref="WarmupPipeline"/>). The first real
/// requests then find the queries compiled, the code jitted and the connections open. It is bounded by
/// <see cref="WarmupOptions.Timeout"/>; a warm-up that fails or runs out of time is logged and the instance serves cold.
/// </summary>
public sealed class StartupWarmup(
    IServiceScopeFactory scopes, WarmupPipeline pipeline, WarmupOptions options, DatabaseOptions database, WarmupState state, TimeProvider clock, ILogger<StartupWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var started = Stopwatch.StartNew();
        if (!options.Enabled)
        {
            state.End(HealthCheckResult.Healthy("The warm-up is turned off (Rosette:Warmup:Enabled)."));
            return;
        }
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bounded.CancelAfter(options.Timeout);
        try
        {
            await WarmAsync(bounded.Token);
            logger.LogInformation("Warmed up in {Milliseconds} ms.", started.ElapsedMilliseconds);
            state.End(HealthCheckResult.Healthy($"Warmed up in {started.ElapsedMilliseconds} ms."));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            state.End(HealthCheckResult.Degraded("The instance stopped during the warm-up."));
        }
        catch (OperationCanceledException)
        {
            var problem = $"The warm-up did not finish within {options.Timeout.TotalSeconds:0.###} s; serving without it.";
            logger.LogWarning("{Problem}", problem);
            state.End(HealthCheckResult.Degraded(problem));
        }
        catch (Exception e)
        {
            logger.LogError(e, "The warm-up failed; the instance serves without it.");
            state.End(HealthCheckResult.Degraded("The warm-up failed (see the log); serving without it."));
        }
    }

    private async Task WarmAsync(CancellationToken cancellationToken)
    {
        await RehearseAchievementRoundAsync(cancellationToken);
        var connections = database.IsPostgres ? Math.Max(1, options.Connections) : 1;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => IngestRefusedAsync(cancellationToken)));
        var status = await pipeline.GetAsync(HealthApi.LivePath, cancellationToken);
        if (status != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException($"The warm-up's request for {HealthApi.LivePath} was answered {status}.");
        }
    }

    /// <summary>
    /// The ingest as the API runs it, for a system administrator and an organization's administrator (their scope queries
    /// differ), on events naming no user: every one is refused, so nothing is written. Each call holds its own connection.
    /// </summary>
    private async Task IngestRefusedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<PostActivityEventsHandler>();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var occurredAt = clock.GetUtcNow().AddMinutes(-1);
        // Bound as the endpoint binds its body: from a request's stream (ActivityEventBatch.BindAsync).
        var request = new DefaultHttpContext { Request = { ContentType = "application/json" } };
        request.Request.Body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(Enumerable.Range(0, 2)
            .Select(i => new { id = $"warm-up-{i}", userId = Guid.NewGuid(), type = "lab_completed", subjectId = "warm-up", occurredAt })));
        var body = (await ActivityEventBatch.BindAsync(request))!;
        var organizationAdministrator = new Actor(Guid.NewGuid(), UserRole.Administrator, Guid.NewGuid(), $"/{Guid.NewGuid():N}/", IsSystemAdministrator: false);
        foreach (var actor in new[] { Actor.System, organizationAdministrator })
        {
            var result = await handler.HandleAsync(actor, body, cancellationToken);
            if (!result.IsSuccess || result.Value.Rejected != 2)
            {
                throw new InvalidOperationException("The warm-up's events, which name no user, were not all refused.");
            }
        }
    }

    /// <summary>One round of the achievement worker that earns an achievement and issues its badge, rolled back.</summary>
    private async Task RehearseAchievementRoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var processor = scope.ServiceProvider.GetRequiredService<AchievementProcessor>();
        var issued = await processor.RehearseAsync(async () =>
        {
            var now = clock.UtcNowSeconds();
            var organization = Organization.Create(Actor.System, $"Warm-up {Guid.NewGuid():N}", null, now).Value;
            organization.SetEnableAchievements(true);
            var student = User.Create($"warm-up-{Guid.NewGuid():N}@rosette.invalid", "Warm", "Up", organization.Id, UserRole.Student, now).Value;
            var badge = Badge.Create("Warm-up", "Never committed.", null, organization, false, null, [], now).Value;
            var achievement = Achievement.Create(organization.Id, new AchievementChanges("Warm-up", "", 1, 1, FrequencyType.PerUser, true, badge.Id, false),
                ConditionJson.Parse("""{"type":"lab_completed","labId":"warm-up"}""").Value, badge, now, new ValidationErrors()).Value;
            db.AddRange(organization, student, badge, achievement);
            await db.SaveChangesAsync(cancellationToken);
            // Seq 0 is never a stored event's: marking it processed changes nothing.
            return [new PendingEvent(0, student.Id, ActivityType.LabCompleted, "warm-up", now.AddMinutes(-1))];
        }, cancellationToken);
        if (issued != 1)
        {
            throw new InvalidOperationException($"The warm-up's achievement round issued {issued} badges instead of 1.");
        }
    }
}

public static class WarmupRegistration
{
    public static IServiceCollection AddStartupWarmup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(WarmupOptions.Section).Get<WarmupOptions>() ?? new WarmupOptions());
        services.AddSingleton<WarmupState>();
        services.AddSingleton<WarmupPipeline>();
        services.AddHostedService<StartupWarmup>();
        return services;
    }
}
