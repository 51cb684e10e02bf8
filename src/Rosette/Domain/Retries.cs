namespace Rosette.Domain;

/// <summary>How long to wait before trying again, for every retry loop (provider deliveries, webhooks, the outbox).</summary>
public static class Retries
{
    /// <summary>
    /// <paramref name="first"/> doubled <paramref name="doublings"/> times (at most 12), capped at <paramref name="cap"/>, with
    /// ±25% jitter so that instances and retries do not fall into step.
    /// </summary>
    public static TimeSpan Backoff(int doublings, TimeSpan first, TimeSpan cap)
    {
        var seconds = Math.Min(cap.TotalSeconds, first.TotalSeconds * Math.Pow(2, Math.Clamp(doublings, 0, 12)));
        return TimeSpan.FromSeconds(seconds * (0.75 + Random.Shared.NextDouble() * 0.5));
    }
}
