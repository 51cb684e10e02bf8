namespace Rosette.Domain.Providers;

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Failed,
    RevocationPending,
    RevokedAtProvider,
}

/// <summary>
/// The delivery of one award to its badge's provider: written in the same transaction as the award (a transactional
/// outbox), then driven by the dispatcher until the provider has it (or has revoked it).
/// </summary>
/// <remarks>
/// Exactly once at the provider: before a request that creates the badge is sent, <see cref="MaybeSent"/> is committed.
/// When an attempt ends without a clear answer (timeout, reset, 5xx, or the process died), the next attempt first asks
/// the provider whether the badge exists, and only sends again when it does not.
/// </remarks>
public sealed class ProviderDelivery
{
    public static readonly TimeSpan RetryWindow = TimeSpan.FromHours(24);

    public const int LastErrorMaxLength = 400;

    private ProviderDelivery()
    {
    }

    public Guid AwardId { get; private set; }

    public Guid ProviderId { get; private set; }

    public DeliveryStatus Status { get; private set; }

    public string? ProviderBadgeId { get; private set; }

    /// <summary>A revocation was asked for; a failed delivery with this set is a failed revocation.</summary>
    public bool RevocationRequested { get; private set; }

    public bool MaybeSent { get; private set; }

    /// <summary>The award was renewed after the provider got it: its badge must be replaced with the new expiry.</summary>
    public bool RenewalRequested { get; private set; }

    public int Attempts { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime NextAttemptAt { get; private set; }

    public DateTime? FirstAttemptAt { get; private set; }

    public DateTime? LastAttemptAt { get; private set; }

    public DateTime? CompletedAt { get; private set; }

    public string? LastError { get; private set; }

    public string? ClaimedBy { get; private set; }

    public DateTime? ClaimedUntil { get; private set; }

    /// <summary>Optimistic concurrency: a revocation and the dispatcher never overwrite each other's change.</summary>
    public int Version { get; private set; }

    public bool IsDue => Status is DeliveryStatus.Pending or DeliveryStatus.RevocationPending;

    public static ProviderDelivery Create(Guid awardId, Guid providerId, DateTime now) => new()
    {
        AwardId = awardId,
        ProviderId = providerId,
        Status = DeliveryStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>The award was revoked here: the provider must revoke it too (or never learn of it).</summary>
    public void RequestRevocation(DateTime now)
    {
        Version++;
        RevocationRequested = true;
        if (Status is DeliveryStatus.RevokedAtProvider)
        {
            return;
        }
        Status = DeliveryStatus.RevocationPending;
        NextAttemptAt = now;
        FirstAttemptAt = null;
        LastError = null;
    }

    /// <summary>An administrator asks to try a failed delivery (or revocation) again, with a fresh retry window.</summary>
    public Error? Retry(DateTime now)
    {
        if (Status != DeliveryStatus.Failed)
        {
            return ProviderErrors.NotFailed;
        }
        Version++;
        Status = RevocationRequested ? DeliveryStatus.RevocationPending : DeliveryStatus.Pending;
        NextAttemptAt = now;
        FirstAttemptAt = null;
        LastError = null;
        return null;
    }

    /// <summary>What the next request to the provider must be, given what is known.</summary>
    public DeliveryStep NextStep() => (Status, ProviderBadgeId, MaybeSent) switch
    {
        (DeliveryStatus.Pending, not null, _) when RenewalRequested => DeliveryStep.Renew,
        (DeliveryStatus.Pending, _, false) => DeliveryStep.Send,
        (DeliveryStatus.Pending, _, true) => DeliveryStep.FindThenSend,
        (DeliveryStatus.RevocationPending, not null, _) => DeliveryStep.Revoke,
        (DeliveryStatus.RevocationPending, null, true) => DeliveryStep.FindThenRevoke,
        (DeliveryStatus.RevocationPending, null, false) => DeliveryStep.NothingToRevoke,
        _ => DeliveryStep.None,
    };

    /// <summary>An attempt starts; when it will send a badge, the possibility that it reached the provider is recorded first.</summary>
    public void StartAttempt(DateTime now, bool mayCreate)
    {
        Version++;
        Attempts++;
        FirstAttemptAt ??= now;
        LastAttemptAt = now;
        MaybeSent |= mayCreate;
    }

    /// <summary>The provider has the badge (just created, or found after an ambiguous attempt).</summary>
    public void Delivered(string providerBadgeId, DateTime now)
    {
        Version++;
        ProviderBadgeId = providerBadgeId;
        MaybeSent = false;
        LastError = null;
        CompletedAt = now;
        // A revocation asked for while the badge was on its way still has to happen; so does a renewal.
        Status = RevocationRequested ? DeliveryStatus.RevocationPending : RenewalRequested ? DeliveryStatus.Pending : DeliveryStatus.Delivered;
        NextAttemptAt = now;
        FirstAttemptAt = Status == DeliveryStatus.Pending ? null : FirstAttemptAt;
    }

    /// <summary>The provider replaced the badge with the renewed expiry (Credly may give it a new id).</summary>
    public void Renewed(string? providerBadgeId, DateTime now)
    {
        Version++;
        RenewalRequested = false;
        ProviderBadgeId = providerBadgeId ?? ProviderBadgeId;
        LastError = null;
        CompletedAt = now;
        Status = RevocationRequested ? DeliveryStatus.RevocationPending : DeliveryStatus.Delivered;
        NextAttemptAt = now;
    }

    /// <summary>The provider revoked the badge, or never had it.</summary>
    public void RevokedAtProvider(DateTime now)
    {
        Version++;
        Status = DeliveryStatus.RevokedAtProvider;
        MaybeSent = false;
        LastError = null;
        CompletedAt = now;
    }

    /// <summary>A clear refusal (an invalid token, a bad template): retrying would not help, an administrator must act.</summary>
    public void Fail(string message, bool sent, DateTime now)
    {
        Version++;
        Status = DeliveryStatus.Failed;
        MaybeSent &= sent;
        LastError = Text.Excerpt(message, LastErrorMaxLength);
        CompletedAt = now;
    }

    /// <summary>
    /// No clear answer (5xx, timeout, reset) or asked to wait (429): try again with backoff (or after Retry-After) within
    /// 24 hours of the first attempt, then fail. <paramref name="maybeSent"/>: whether the provider may hold a badge we do
    /// not know of, so that the next attempt asks first.
    /// </summary>
    public void RetryLater(string message, bool maybeSent, TimeSpan? retryAfter, DateTime now)
    {
        Version++;
        LastError = Text.Excerpt(message, LastErrorMaxLength);
        MaybeSent = maybeSent;
        var next = now + (retryAfter ?? Backoff(Attempts));
        if (next - (FirstAttemptAt ?? now) > RetryWindow)
        {
            Status = DeliveryStatus.Failed;
            CompletedAt = now;
            return;
        }
        NextAttemptAt = next;
    }

    public void ReleaseClaim()
    {
        ClaimedBy = null;
        ClaimedUntil = null;
    }

    /// <summary>Exponential from 2 s, capped at 30 minutes, with ±25% jitter so that retries spread out.</summary>
    public static TimeSpan Backoff(int attempts) => Retries.Backoff(attempts - 1, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(30));
}

public enum DeliveryStep
{
    None,
    Send,
    FindThenSend,
    Revoke,
    FindThenRevoke,
    NothingToRevoke,

    /// <summary>Send the renewed award again to replace the provider's badge (Credly's duplicate_behavior "replace").</summary>
    Renew,
}

/// <summary>One request to a provider and its answer, kept for the Deliveries page.</summary>
public sealed class DeliveryAttempt
{
    /// <summary>The column's size; what is kept is a short excerpt (<see cref="ExcerptLength"/>), never the whole body.</summary>
    public const int BodyMaxLength = 2000;

    public const int ExcerptLength = 300;

    private DeliveryAttempt()
    {
    }

    public long Id { get; private set; }

    public Guid AwardId { get; private set; }

    public DateTime At { get; private set; }

    public string Operation { get; private set; } = "";

    public int? StatusCode { get; private set; }

    public string? Answer { get; private set; }

    public int DurationMs { get; private set; }

    public static DeliveryAttempt Create(Guid awardId, DateTime at, string operation, int? statusCode, string? answer, TimeSpan duration) => new()
    {
        AwardId = awardId,
        At = at,
        Operation = operation,
        StatusCode = statusCode,
        Answer = Text.Excerpt(answer, ExcerptLength),
        DurationMs = (int)Math.Min(int.MaxValue, duration.TotalMilliseconds),
    };
}
