using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>
/// Sends webhook deliveries, on every instance. A round claims due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL, so
/// instances never share one; SQLite has one writer), each the earliest pending one of its subject for its endpoint (so
/// events of one award arrive in order), signs and posts them concurrently through the outbound policy, and records every
/// answer, the endpoints' health and any endpoint it disables in one transaction. At least once: a crashed instance's
/// claims expire after <see cref="WebhookOptions.ClaimDuration"/> and pass to another; receivers deduplicate by webhook-id.
/// </summary>
public sealed class WebhookDispatcher(
    IServiceScopeFactory scopes, IHttpClientFactory http, WebhookSignal signal, WebhookOptions options, TimeProvider clock, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private readonly string _instance = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}:{Environment.ProcessId}";
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _gates = new();
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Concurrency));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.DispatcherEnabled
            ? Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Loops)).Select(_ => signal.RunRoundsAsync(RunOnceAsync, options.PollInterval, (e, _, ct) =>
            {
                logger.LogError(e, "The webhook dispatcher failed; retrying shortly.");
                return Task.Delay(options.PollInterval, ct);
            }, stoppingToken)))
            : Task.CompletedTask;

    /// <summary>One round: returns how many deliveries it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var claim = $"{_instance}:{Guid.NewGuid():N}";
        var now = clock.GetUtcNow().UtcDateTime;
        var store = scope.ServiceProvider.GetRequiredService<WebhookStore>();
        var ids = await store.ClaimAsync(claim, now, now + options.ClaimDuration, options.BatchSize, cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }
        var deliveries = await store.LoadClaimedAsync(claim, ids, cancellationToken);
        var eventIds = deliveries.Select(d => d.EventId).Distinct().ToList();
        var bodies = await db.WebhookEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Payload, cancellationToken);
        var endpointIds = deliveries.Select(d => d.EndpointId).Distinct().ToList();
        var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
        var endpoints = (await db.WebhookEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).Select(e => new { e.Id, e.Url, e.ProtectedSecret })
            .ToListAsync(cancellationToken)).ToDictionary(e => e.Id, e => (e.Url, Secret: ReadSecret(secrets, e.Id, e.ProtectedSecret)));

        // Every delivery of the round queues at once for its endpoint's slots, then the instance's. The gates release in
        // order, so the round that claimed first finishes first, and the other loop's requests keep the slots busy while it
        // records (capped per round instead, the loops kept step and both left the slots idle while they wrote).
        var outcomes = new ConcurrentDictionary<long, Outcome>();
        await Task.WhenAll(deliveries.Select(async delivery =>
        {
            var (url, secret) = endpoints[delivery.EndpointId];
            try
            {
                outcomes[delivery.Id] = secret is null
                    ? new Outcome(false, null, SecretUnreadable, clock.GetUtcNow().UtcDateTime, TimeSpan.Zero)
                    : await SendAsync(delivery.EndpointId, url, secret, delivery.EventId, bodies[delivery.EventId], cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // One attempt's fault is that attempt's failure (retried with back-off, logged): the round's other deliveries,
                // other endpoints' and other organizations', are recorded as they went.
                logger.LogError(e, "Webhook delivery {DeliveryId} to endpoint {EndpointId} failed unexpectedly.", delivery.Id, delivery.EndpointId);
                outcomes[delivery.Id] = new Outcome(false, null, $"Rosette could not complete the attempt ({e.GetType().Name}).", clock.GetUtcNow().UtcDateTime, TimeSpan.Zero);
            }
        }));

        var done = clock.GetUtcNow().UtcDateTime;
        foreach (var delivery in deliveries)
        {
            var outcome = outcomes[delivery.Id];
            if (outcome.Delivered)
            {
                delivery.Delivered(outcome.Status!.Value, outcome.At, done);
            }
            else
            {
                delivery.Failed(outcome.Status, outcome.Error!, outcome.At, done);
            }
            db.WebhookAttempts.Add(WebhookAttempt.Create(delivery, outcome.At, outcome.Status, outcome.Error, outcome.Duration));
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await RecordHealthAsync(db, deliveries.GroupBy(d => d.EndpointId).ToDictionary(g => g.Key, g => g.Select(d => outcomes[d.Id]).ToList()), done, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deliveries.Count;
    }

    /// <summary>
    /// An endpoint that answered once is healthy again; one whose every attempt failed since <c>FailingSince</c> for longer than
    /// <see cref="WebhookOptions.DisableAfter"/> is disabled (once: a compare-and-swap), and its administrators are mailed.
    /// </summary>
    private async Task RecordHealthAsync(RosetteDb db, Dictionary<Guid, List<Outcome>> byEndpoint, DateTime now, CancellationToken cancellationToken)
    {
        var disabledSince = now - options.DisableAfter;
        foreach (var (endpointId, results) in byEndpoint)
        {
            if (results.Any(r => r.Delivered))
            {
                await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.FailingSince != null)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTime?)null), cancellationToken);
                continue;
            }
            var firstFailure = results.Min(r => r.At);
            await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.FailingSince == null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, firstFailure), cancellationToken);
            var reason = $"Every delivery failed since {firstFailure:yyyy-MM-dd HH:mm} UTC or before (last: {results[^1].Error}).";
            var disabled = await db.WebhookEndpoints
                .Where(e => e.Id == endpointId && e.IsEnabled && e.FailingSince != null && e.FailingSince <= disabledSince)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.IsEnabled, false).SetProperty(e => e.DisabledAt, now)
                    .SetProperty(e => e.DisabledReason, Text.Excerpt(reason, 500)), cancellationToken);
            if (disabled == 1)
            {
                logger.LogWarning("Disabled webhook endpoint {EndpointId}: {Reason}", endpointId, reason);
                db.Publish(OutboxTopics.WebhookEndpointDisabled, new WebhookEndpointDisabled(endpointId), now);
                await db.SaveChangesAsync(cancellationToken);
            }
        }
    }

    private sealed record Outcome(bool Delivered, int? Status, string? Error, DateTime At, TimeSpan Duration);

    private const string SecretUnreadable =
        "Not sent: this instance cannot decrypt the endpoint's signing secret (the data-protection keys that protected it are not in its key ring). Rotate the endpoint's secret.";

    /// <summary>
    /// The endpoint's signing secret in plain text, or null when this instance cannot decrypt it: its deliveries fail (and are
    /// retried) without holding back the other endpoints' deliveries of the round.
    /// </summary>
    private string? ReadSecret(WebhookSecrets secrets, Guid endpointId, string protectedSecret)
    {
        try
        {
            return secrets.Unprotect(protectedSecret);
        }
        catch (CryptographicException e)
        {
            logger.LogError(e, "The signing secret of webhook endpoint {EndpointId} cannot be decrypted by this instance; its deliveries fail. "
                + "Every instance must share the data-protection key ring, or the secret must be rotated.", endpointId);
            return null;
        }
    }

    private async Task<Outcome> SendAsync(Guid endpointId, string url, string secret, Guid eventId, string body, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(endpointId, _ => new SemaphoreSlim(Math.Max(1, options.ConcurrencyPerEndpoint)));
        // The endpoint's slot first: a request waiting for a slow endpoint never holds one of the instance's.
        await gate.WaitAsync(cancellationToken);
        try
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                return await PostAsync(url, secret, eventId, body, cancellationToken);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<Outcome> PostAsync(string url, string secret, Guid eventId, string body, CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow().UtcDateTime;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var id = eventId.ToString();
            // Receivers check the timestamp against their own clock (replay protection): it is the wall clock's, whatever clock the app keeps.
            var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", id);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, id, timestamp, body));
            // The attempt's limit runs on the app's clock, as a provider attempt's does (ProviderRegistration).
            using var limit = new CancellationTokenSource(options.AttemptTimeout, clock);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return new Outcome(true, (int)response.StatusCode, null, at, stopwatch.Elapsed);
            }
            var answer = await ReadExcerptAsync(response, timeout.Token);
            return new Outcome(false, (int)response.StatusCode, $"HTTP {(int)response.StatusCode}: {answer}", at, stopwatch.Elapsed);
        }
        catch (HttpRequestException e) when (e.InnerException is OutboundRefusedException refused)
        {
            return new Outcome(false, null, refused.Message, at, stopwatch.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return new Outcome(false, null, $"The connection failed: {e.Message}", at, stopwatch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(false, null, $"No answer within {options.AttemptTimeout.TotalSeconds:0.#} s.", at, stopwatch.Elapsed);
        }
    }

    /// <summary>The most of a receiver's answer that is read: enough for the 200-character excerpt the attempt keeps.</summary>
    private const int ExcerptBytes = 4096;

    /// <summary>
    /// The start of a failed answer's body, as UTF-8 text: at most <see cref="ExcerptBytes"/> are read, whatever its length
    /// (a receiver's 400 MB answer was read whole, once per attempt), and whatever charset it names (an unknown one threw).
    /// </summary>
    private static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[ExcerptBytes];
            var read = 0;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is > 0 and var count)
            {
                read += count;
            }
            return Text.Excerpt(Encoding.UTF8.GetString(buffer, 0, read), 200) ?? "";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }
}
