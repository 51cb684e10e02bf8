using System.Collections.Concurrent;
using System.Security.Cryptography;
using Rosette.Data;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Providers;

/// <summary>
/// Drives deliveries to badge providers. Each round claims due deliveries (<see cref="DeliveryStore.ClaimAsync"/>), commits
/// the start of each attempt (and, before a badge is sent, that it may reach the provider), makes the requests
/// <see cref="DeliveryPolicy"/> asks for, concurrently, then records every verdict in one transaction. See
/// Features/Providers/README.md.
/// </summary>
public sealed class DeliveryDispatcher(
    IServiceScopeFactory scopes, DeliverySignal signal, ProviderOptions options, RosetteMetrics metrics, TimeProvider clock, ILogger<DeliveryDispatcher> logger)
    : BackgroundService
{
    /// <summary>This process, for the logs and the claims it makes; each round claims under a token of its own.</summary>
    private readonly string _instance = $"{Environment.MachineName[..Math.Min(40, Environment.MachineName.Length)]}:{Environment.ProcessId}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.DispatcherEnabled
            ? Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Loops)).Select(_ => LoopAsync(stoppingToken)))
            : Task.CompletedTask;

    private Task LoopAsync(CancellationToken stoppingToken) =>
        signal.RunRoundsAsync(RunOnceAsync, options.PollInterval, (e, _, ct) =>
        {
            logger.LogError(e, "The delivery dispatcher failed; retrying shortly.");
            return Task.Delay(options.PollInterval, ct);
        }, stoppingToken);

    /// <summary>One round: returns how many deliveries it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<DeliveryStore>();
        // A round's own token, not the instance's: two rounds of one instance must not mistake each other's claims for theirs.
        var token = $"{_instance}:{Guid.NewGuid():N}";
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + options.ClaimDuration;
        var ids = await store.ClaimAsync(token, now, until, options.BatchSize, cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }
        var claim = new DeliveryClaim(token, ids, until);
        // A live round keeps its claims: only a crashed instance's claims expire and pass to another.
        using var renewal = new CancellationTokenSource();
        var heartbeat = RenewClaimsAsync(claim, renewal.Token);
        try
        {
            return await ProcessAsync(scope, store, claim, cancellationToken);
        }
        finally
        {
            await renewal.CancelAsync();
            await heartbeat;
        }
    }

    private async Task<int> ProcessAsync(AsyncServiceScope scope, DeliveryStore store, DeliveryClaim claim, CancellationToken cancellationToken)
    {
        var deliveries = await store.LoadClaimedAsync(claim, cancellationToken);
        var contexts = await store.LoadContextsAsync(claim.Held(), cancellationToken);
        var plainTokens = ReadTokens(scope.ServiceProvider.GetRequiredService<ProviderTokens>(), contexts.Values);
        var unreadable = contexts.Where(c => !plainTokens.ContainsKey(c.Value.Provider.Id)).Select(c => c.Key).ToHashSet();
        var facts = contexts.Where(c => !unreadable.Contains(c.Key)).ToDictionary(c => c.Key, c => CredlyDelivery.From(c.Value, plainTokens[c.Value.Provider.Id]));
        var steps = new Dictionary<Guid, DeliveryStep>();
        var now = clock.GetUtcNow().UtcDateTime;
        void Start(ProviderDelivery fresh)
        {
            if (unreadable.Contains(fresh.AwardId))
            {
                // Its provider's token cannot be read here: it waits, and holds back no other delivery of the round.
                DeliveryPolicy.TokenUnreadable.Apply(fresh, now);
                fresh.ReleaseClaim();
                return;
            }
            steps[fresh.AwardId] = fresh.NextStep();
            fresh.StartAttempt(now, mayCreate: steps[fresh.AwardId] is DeliveryStep.Send or DeliveryStep.FindThenSend);
        }
        deliveries.ForEach(Start);
        // Committed before anything is sent: if the process dies mid-request, the next attempt asks the provider first. A
        // delivery another round has claimed since this one read it is left alone, and nothing is sent for it.
        var lost = await store.SaveAsync(claim, deliveries.ToDictionary(d => d.AwardId, _ => (Action<ProviderDelivery>)Start), cancellationToken);
        claim.Keep(deliveries.Select(d => d.AwardId).Except(unreadable).Except(lost));
        deliveries.RemoveAll(d => !claim.Holds(d.AwardId));

        var credly = scope.ServiceProvider.GetRequiredService<CredlyClient>();
        var outcomes = new ConcurrentDictionary<Guid, Outcome>();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (delivery, ct) => outcomes[delivery.AwardId] = await AttemptAsync(credly, claim, steps[delivery.AwardId], delivery, facts[delivery.AwardId], ct));

        var done = clock.GetUtcNow().UtcDateTime;
        var apply = new Dictionary<Guid, Action<ProviderDelivery>>();
        foreach (var delivery in deliveries)
        {
            var outcome = outcomes[delivery.AwardId];
            apply[delivery.AwardId] = fresh =>
            {
                outcome.Verdict.Apply(fresh, done);
                fresh.ReleaseClaim();
            };
            apply[delivery.AwardId](delivery);
            store.AddAttempts(outcome.Log);
        }
        // A delivery whose claim passed to another round meanwhile is that round's to record; the requests made stay in the log.
        await store.SaveAsync(claim, apply, cancellationToken);
        foreach (var delivery in deliveries)
        {
            metrics.DeliveryAttempt(EnumText.Of(delivery.Status));
        }
        return deliveries.Count;
    }

    /// <summary>
    /// The providers' API tokens in plain text, by provider; a token this instance cannot decrypt is left out and logged, so
    /// that one provider's unreadable token stops only its own deliveries.
    /// </summary>
    private Dictionary<Guid, string> ReadTokens(ProviderTokens tokens, IEnumerable<DeliveryContext> contexts)
    {
        var plain = new Dictionary<Guid, string>();
        foreach (var provider in contexts.Select(c => c.Provider).DistinctBy(p => p.Id))
        {
            try
            {
                plain[provider.Id] = tokens.Unprotect(provider.ProtectedApiToken);
            }
            catch (CryptographicException e)
            {
                logger.LogError(e, "The API token of badge provider {ProviderId} cannot be decrypted by this instance; its deliveries wait. "
                    + "Every instance must share the data-protection key ring, or the token must be entered again.", provider.Id);
            }
        }
        return plain;
    }

    private async Task RenewClaimsAsync(DeliveryClaim claim, CancellationToken stop)
    {
        var interval = options.ClaimDuration / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, stop);
                await RenewAsync(claim, null, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Renewing delivery claims failed; they may pass to another instance.");
            }
        }
    }

    /// <summary>Extends the round's claims to a full <see cref="ProviderOptions.ClaimDuration"/>, unless they already last <paramref name="unlessLasting"/>.</summary>
    private async Task RenewAsync(DeliveryClaim claim, TimeSpan? unlessLasting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (claim.Held().Count == 0 || (unlessLasting is { } enough && claim.Until - now >= enough))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeliveryStore>().RenewAsync(claim, now + options.ClaimDuration, cancellationToken);
    }

    /// <summary>
    /// Whether this round may send a request that creates a badge: only under a claim that outlasts the request's time limit
    /// twice over (once for the request, once more for the provider to finish one we gave up on), so that no other round can
    /// look the badge up, or send it, while this request may still be creating it.
    /// </summary>
    private async Task<bool> MayCreateAsync(DeliveryClaim claim, Guid awardId, CancellationToken cancellationToken)
    {
        var needed = options.AttemptTimeout * 2;
        if (claim.Holds(awardId) && claim.Until - clock.GetUtcNow().UtcDateTime < needed)
        {
            try
            {
                await RenewAsync(claim, needed, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Extending the claim on delivery {AwardId} failed; it is not sent in this round.", awardId);
                return false;
            }
        }
        return claim.Holds(awardId) && claim.Until - clock.GetUtcNow().UtcDateTime >= needed;
    }

    /// <summary>An attempt's verdict, and the requests it made.</summary>
    private sealed record Outcome(DeliveryVerdict Verdict, List<DeliveryAttempt> Log);

    private async Task<Outcome> AttemptAsync(
        CredlyClient credly, DeliveryClaim claim, DeliveryStep step, ProviderDelivery delivery, CredlyDelivery facts, CancellationToken cancellationToken)
    {
        var log = new List<DeliveryAttempt>();
        try
        {
            var move = DeliveryPolicy.Start(step, delivery.ProviderBadgeId);
            while (move is ProviderRequest request)
            {
                if (request.Call == ProviderCall.Issue && !await MayCreateAsync(claim, delivery.AwardId, cancellationToken))
                {
                    return new Outcome(DeliveryPolicy.NotSent, log);
                }
                var answer = await credly.CallAsync(request, facts, cancellationToken);
                log.Add(DeliveryAttempt.Create(delivery.AwardId, clock.GetUtcNow().UtcDateTime, CredlyClient.OperationName(request.Call), answer.Status, answer.Failure ?? answer.Body, answer.Duration));
                move = DeliveryPolicy.After(request, answer.ToProviderAnswer());
            }
            return new Outcome((DeliveryVerdict)move, log);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Delivery of award {AwardId} failed unexpectedly", delivery.AwardId);
            return new Outcome(DeliveryPolicy.Crashed(e), log);
        }
    }
}
