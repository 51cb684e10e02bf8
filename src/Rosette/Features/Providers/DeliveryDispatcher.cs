using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Providers;

/// <summary>
/// Drives deliveries to badge providers. Each round claims due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL, so
/// instances never share one), commits the start of each attempt (and, before a badge is sent, that it may reach the
/// provider), sends concurrently, then records every answer in one transaction. See Features/Providers/README.md.
/// </summary>
public sealed class DeliveryDispatcher(
    IServiceScopeFactory scopes, DeliverySignal signal, ProviderOptions options, RosetteMetrics metrics, TimeProvider clock, ILogger<DeliveryDispatcher> logger)
    : BackgroundService
{
    // A claim changes the concurrency token: a round that loaded a delivery before another round claimed it cannot save over it.
    private const string ClaimSql = """
        UPDATE "ProviderDeliveries" SET "ClaimedBy" = {0}, "ClaimedUntil" = {1}, "Version" = "Version" + 1
        WHERE "AwardId" IN (
            SELECT "AwardId" FROM "ProviderDeliveries"
            WHERE "Status" IN ('Pending', 'RevocationPending') AND "NextAttemptAt" <= {2} AND ("ClaimedUntil" IS NULL OR "ClaimedUntil" < {2})
            ORDER BY "NextAttemptAt" LIMIT {3}
        """;

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
            return Task.Delay(options.PollInterval, clock, ct);
        }, stoppingToken);

    /// <summary>One round: returns how many deliveries it claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        // A round's own token, not the instance's: two rounds of one instance must not mistake each other's claims for theirs.
        var token = $"{_instance}:{Guid.NewGuid():N}";
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + options.ClaimDuration;
        var ids = await ClaimAsync(db, token, now, until, cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }
        var claim = new Claim(token, ids, until);
        // A live round keeps its claims: only a crashed instance's claims expire and pass to another.
        using var renewal = new CancellationTokenSource();
        var heartbeat = RenewClaimsAsync(claim, renewal.Token);
        try
        {
            return await ProcessAsync(scope, db, claim, cancellationToken);
        }
        finally
        {
            await renewal.CancelAsync();
            await heartbeat;
        }
    }

    private async Task<int> ProcessAsync(AsyncServiceScope scope, RosetteDb db, Claim claim, CancellationToken cancellationToken)
    {
        var ids = claim.Held();
        var deliveries = await db.ProviderDeliveries.Where(d => ids.Contains(d.AwardId) && d.ClaimedBy == claim.Token).ToListAsync(cancellationToken);
        var facts = await LoadFactsAsync(db, ids, scope.ServiceProvider.GetRequiredService<ProviderTokens>(), cancellationToken);
        var steps = new Dictionary<Guid, DeliveryStep>();
        var now = clock.GetUtcNow().UtcDateTime;
        var start = deliveries.ToDictionary(d => d.AwardId, d => (Action<ProviderDelivery>)(fresh =>
        {
            steps[fresh.AwardId] = fresh.NextStep();
            fresh.StartAttempt(now, mayCreate: steps[fresh.AwardId] is DeliveryStep.Send or DeliveryStep.FindThenSend);
        }));
        foreach (var delivery in deliveries)
        {
            start[delivery.AwardId](delivery);
        }
        // Committed before anything is sent: if the process dies mid-request, the next attempt asks the provider first. The
        // save succeeds only where no other round has claimed the delivery since this round read it (a claim changes the
        // concurrency token); where one has, this round leaves the delivery alone and sends nothing for it.
        var lost = await SaveAsync(db, claim.Token, start, cancellationToken);
        claim.Keep(deliveries.Select(d => d.AwardId).Except(lost));
        deliveries.RemoveAll(d => !claim.Holds(d.AwardId));

        var credly = scope.ServiceProvider.GetRequiredService<CredlyClient>();
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<Guid, Outcome>();
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (delivery, ct) => outcomes[delivery.AwardId] = await ExecuteAsync(credly, claim, steps[delivery.AwardId], delivery, facts[delivery.AwardId], ct));

        var done = clock.GetUtcNow().UtcDateTime;
        var apply = new Dictionary<Guid, Action<ProviderDelivery>>();
        foreach (var delivery in deliveries)
        {
            var outcome = outcomes[delivery.AwardId];
            apply[delivery.AwardId] = fresh =>
            {
                outcome.Apply(fresh, done);
                fresh.ReleaseClaim();
            };
            apply[delivery.AwardId](delivery);
            db.DeliveryAttempts.AddRange(outcome.Log);
        }
        // A delivery whose claim passed to another round meanwhile is that round's to record; the requests made stay in the log.
        await SaveAsync(db, claim.Token, apply, cancellationToken);
        foreach (var delivery in deliveries)
        {
            metrics.DeliveryAttempt(EnumText.Of(delivery.Status));
        }
        return deliveries.Count;
    }

    private async Task<List<Guid>> ClaimAsync(RosetteDb db, string token, DateTime now, DateTime until, CancellationToken cancellationToken)
    {
        var sql = db.IsPostgres ? ClaimSql + " FOR UPDATE SKIP LOCKED) RETURNING \"AwardId\"" : ClaimSql + ") RETURNING \"AwardId\"";
        return await db.Database.SqlQueryRaw<Guid>(sql, token, until, now, options.BatchSize).ToListAsync(cancellationToken);
    }

    private async Task RenewClaimsAsync(Claim claim, CancellationToken stop)
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

    /// <summary>
    /// Extends the round's claims to a full <see cref="ProviderOptions.ClaimDuration"/> from now, unless they already last
    /// <paramref name="unlessLasting"/>. Deliveries the write did not reach were taken by another round: they are dropped.
    /// </summary>
    private async Task RenewAsync(Claim claim, TimeSpan? unlessLasting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = claim.Held();
        if (ids.Count == 0 || (unlessLasting is { } enough && claim.Until - now >= enough))
        {
            return;
        }
        var until = now + options.ClaimDuration;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var mine = db.ProviderDeliveries.Where(d => ids.Contains(d.AwardId) && d.ClaimedBy == claim.Token);
        // Only ever later: of two renewals of one round, the one written last cannot shorten the other's.
        var renewed = await mine.ExecuteUpdateAsync(u => u.SetProperty(d => d.ClaimedUntil, d => d.ClaimedUntil > until ? d.ClaimedUntil : until), cancellationToken);
        if (renewed < ids.Count)
        {
            // No one gives a claim back to this round's token: what it holds now, it held when the update ran.
            claim.Keep(await mine.Select(d => d.AwardId).ToListAsync(cancellationToken));
        }
        claim.Extend(until);
    }

    /// <summary>
    /// Whether this round may send a request that creates a badge: only under a claim that outlasts the request's time limit
    /// twice over (once for the request, once more for the provider to finish one we gave up on), so that no other round can
    /// look the badge up, or send it, while this request may still be creating it.
    /// </summary>
    private async Task<bool> MayCreateAsync(Claim claim, Guid awardId, CancellationToken cancellationToken)
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

    /// <summary>
    /// Saves; when another change to a delivery came first, reads it again and, if this round still holds its claim, applies
    /// this round's change on top (a revocation meanwhile). Returns the deliveries whose claim passed to another round.
    /// </summary>
    private static async Task<HashSet<Guid>> SaveAsync(
        RosetteDb db, string claim, Dictionary<Guid, Action<ProviderDelivery>> reapply, CancellationToken cancellationToken)
    {
        var lost = new HashSet<Guid>();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return lost;
            }
            catch (DbUpdateConcurrencyException conflict) when (attempt < 5)
            {
                foreach (var entry in conflict.Entries)
                {
                    await entry.ReloadAsync(cancellationToken);
                    if (entry.Entity is not ProviderDelivery fresh || !reapply.TryGetValue(fresh.AwardId, out var change))
                    {
                        continue;
                    }
                    if (fresh.ClaimedBy == claim)
                    {
                        change(fresh);
                    }
                    else
                    {
                        lost.Add(fresh.AwardId);
                    }
                }
            }
        }
    }

    /// <summary>What one round holds: the deliveries still claimed under its token, and until when (the latest ClaimedUntil it wrote).</summary>
    private sealed class Claim(string token, IEnumerable<Guid> ids, DateTime until)
    {
        private readonly HashSet<Guid> _held = [.. ids];
        private long _until = until.Ticks;

        public string Token => token;

        public DateTime Until => new(Interlocked.Read(ref _until), DateTimeKind.Utc);

        public void Extend(DateTime to)
        {
            for (var seen = Interlocked.Read(ref _until); seen < to.Ticks;)
            {
                var was = Interlocked.CompareExchange(ref _until, to.Ticks, seen);
                if (was == seen)
                {
                    return;
                }
                seen = was;
            }
        }

        public List<Guid> Held()
        {
            lock (_held)
            {
                return [.. _held];
            }
        }

        public bool Holds(Guid id)
        {
            lock (_held)
            {
                return _held.Contains(id);
            }
        }

        /// <summary>Keeps only these of the deliveries held.</summary>
        public void Keep(IEnumerable<Guid> stillHeld)
        {
            lock (_held)
            {
                _held.IntersectWith(stillHeld);
            }
        }
    }

    private sealed record DeliveryFacts(ProviderEndpoint Endpoint, CredlyIssue Issue, string? RevocationReason, bool RosetteMails);

    private static async Task<Dictionary<Guid, DeliveryFacts>> LoadFactsAsync(RosetteDb db, List<Guid> ids, ProviderTokens tokens, CancellationToken cancellationToken)
    {
        var rows = await (
            from d in db.ProviderDeliveries.AsNoTracking()
            where ids.Contains(d.AwardId)
            join a in db.Awards on d.AwardId equals a.Id
            join s in db.Users on a.StudentId equals s.Id
            join b in db.Badges on a.BadgeId equals b.Id
            join o in db.Organizations on b.OrganizationId equals o.Id
            join p in db.BadgeProviders on d.ProviderId equals p.Id
            select new
            {
                d.AwardId, Award = a, s.Email, s.FirstName, s.LastName, b.ProviderTemplateId, o.Language,
                p.ApiBaseUrl, p.ProviderOrganizationId, p.ProtectedApiToken, p.Notifications, p.Id,
            })
            .ToListAsync(cancellationToken);
        var plainTokens = rows.Select(r => (r.Id, r.ProtectedApiToken)).Distinct().ToDictionary(t => t.Id, t => tokens.Unprotect(t.ProtectedApiToken));
        return rows.ToDictionary(r => r.AwardId, r =>
        {
            var rosetteMails = r.Notifications == ProviderNotifications.Rosette;
            return new DeliveryFacts(
                new ProviderEndpoint(r.ApiBaseUrl, r.ProviderOrganizationId, plainTokens[r.Id]),
                CredlyIssue.For(r.Email, r.FirstName, r.LastName, r.ProviderTemplateId ?? "", r.Award.IssuedAt, r.Award.StudentId, r.Award.ExpiresAt,
                    rosetteMails, r.Language, r.Award.Narrative),
                r.Award.RevocationReason, rosetteMails);
        });
    }

    /// <summary>What happened, as a change to apply to the delivery, and the requests made.</summary>
    private sealed record Outcome(Action<ProviderDelivery, DateTime> Apply, List<DeliveryAttempt> Log);

    private async Task<Outcome> ExecuteAsync(
        CredlyClient credly, Claim claim, DeliveryStep step, ProviderDelivery delivery, DeliveryFacts facts, CancellationToken cancellationToken)
    {
        var log = new List<DeliveryAttempt>();
        async Task<CredlyAnswer> Logged(string operation, Task<CredlyAnswer> call)
        {
            var answer = await call;
            log.Add(DeliveryAttempt.Create(delivery.AwardId, clock.GetUtcNow().UtcDateTime, operation, answer.Status, answer.Failure ?? answer.Body, answer.Duration));
            return answer;
        }
        Task<CredlyAnswer> Find() => Logged("find", credly.FindAsync(facts.Endpoint, facts.Issue.IssuerEarnerId, facts.Issue.RecipientEmail, facts.Issue.BadgeTemplateId, cancellationToken));

        async Task<Action<ProviderDelivery, DateTime>> Send()
        {
            if (!await MayCreateAsync(claim, delivery.AwardId, cancellationToken))
            {
                return (d, now) => d.RetryLater("Not sent: this round could not keep its claim long enough for the request.", maybeSent: d.MaybeSent, TimeSpan.Zero, now);
            }
            var answer = await Logged("issue", credly.IssueAsync(facts.Endpoint, facts.Issue, cancellationToken));
            if (answer.IsSuccess)
            {
                var id = answer.BadgeId;
                if (id is null)
                {
                    var found = await Find();
                    id = found.BadgeId;
                    if (id is null)
                    {
                        return (d, now) => d.RetryLater($"The provider accepted the badge but it cannot be found yet: {answer.Describe()}", maybeSent: true, null, now);
                    }
                }
                return (d, now) => d.Delivered(id, now);
            }
            if (answer.IsUnprocessable)
            {
                // A duplicate (the earner already has the badge, under this earner id or this email) is delivered; any
                // other refusal stands. The provider is asked which it is, whatever the 422 says.
                var found = await Find();
                if (found is { IsSuccess: true, BadgeId: { } existing })
                {
                    return (d, now) => d.Delivered(existing, now);
                }
                return found.IsSuccess
                    ? (d, now) => d.Fail(answer.Describe(), sent: false, now)
                    : (d, now) => d.RetryLater(found.Describe(), maybeSent: false, found.RetryAfter, now);
            }
            if (answer.IsRateLimited)
            {
                return (d, now) => d.RetryLater(answer.Describe(), maybeSent: false, answer.RetryAfter, now);
            }
            if (answer.IsRefused)
            {
                return (d, now) => d.Fail(answer.Describe(), sent: false, now);
            }
            return (d, now) => d.RetryLater(answer.Describe(), maybeSent: answer.Reached, null, now);
        }

        async Task<Action<ProviderDelivery, DateTime>> Revoke(string providerBadgeId)
        {
            var answer = await Logged("revoke", credly.RevokeAsync(facts.Endpoint, providerBadgeId, facts.RevocationReason ?? "Revoked", facts.RosetteMails, cancellationToken));
            if (answer.IsSuccess || answer.Status == 404)
            {
                return (d, now) => d.RevokedAtProvider(now);
            }
            if (answer.IsRefused)
            {
                return (d, now) => d.Fail(answer.Describe(), sent: true, now);
            }
            return (d, now) => d.RetryLater(answer.Describe(), maybeSent: d.MaybeSent, answer.RetryAfter, now);
        }

        async Task<Action<ProviderDelivery, DateTime>> Renew()
        {
            // A replace is idempotent at Credly: an unclear answer is simply retried, never looked up first.
            var answer = await Logged("renew", credly.IssueAsync(facts.Endpoint, facts.Issue with { DuplicateBehavior = "replace" }, cancellationToken));
            return answer.IsSuccess ? (d, now) => d.Renewed(answer.BadgeId, now)
                : answer.IsRefused ? (d, now) => d.Fail(answer.Describe(), sent: true, now)
                : (d, now) => d.RetryLater(answer.Describe(), maybeSent: d.MaybeSent, answer.RetryAfter, now);
        }

        try
        {
            Action<ProviderDelivery, DateTime> apply;
            switch (step)
            {
                case DeliveryStep.Renew:
                    apply = await Renew();
                    break;
                case DeliveryStep.Send:
                    apply = await Send();
                    break;
                case DeliveryStep.FindThenSend:
                    {
                        var found = await Find();
                        apply = found switch
                        {
                            { IsSuccess: true, BadgeId: { } id } => (d, now) => d.Delivered(id, now),
                            { IsSuccess: true } => await Send(),
                            { IsRefused: true } => (d, now) => d.Fail(found.Describe(), sent: true, now),
                            _ => (d, now) => d.RetryLater(found.Describe(), maybeSent: true, found.RetryAfter, now),
                        };
                        break;
                    }
                case DeliveryStep.Revoke:
                    apply = await Revoke(delivery.ProviderBadgeId!);
                    break;
                case DeliveryStep.FindThenRevoke:
                    {
                        var found = await Find();
                        apply = found switch
                        {
                            { IsSuccess: true, BadgeId: { } id } => await Revoke(id),
                            { IsSuccess: true } => (d, now) => d.RevokedAtProvider(now),
                            { IsRefused: true } => (d, now) => d.Fail(found.Describe(), sent: true, now),
                            _ => (d, now) => d.RetryLater(found.Describe(), maybeSent: true, found.RetryAfter, now),
                        };
                        break;
                    }
                case DeliveryStep.NothingToRevoke:
                    apply = (d, now) => d.RevokedAtProvider(now);
                    break;
                default:
                    apply = (_, _) => { };
                    break;
            }
            return new Outcome(apply, log);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Delivery of award {AwardId} failed unexpectedly", delivery.AwardId);
            return new Outcome((d, now) => d.RetryLater($"{e.GetType().Name}: {e.Message}", maybeSent: true, null, now), log);
        }
    }
}
