using System.Threading.RateLimiting;

namespace Rosette.Features.Audit;

/// <summary>Settings of <see cref="AuditThrottle"/> (<c>Rosette:Audit</c>).</summary>
public sealed class AuditThrottleOptions
{
    public const string Section = "Rosette:Audit";

    /// <summary>One entry per key (who, what, against whom) in this window; repeats within it are not recorded.</summary>
    public TimeSpan RepeatWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many throttled entries per minute per instance, whatever their keys.</summary>
    public int MaxPerMinute { get; set; } = 60;
}

/// <summary>
/// Keeps entries that an anonymous or refused caller can cause (failed sign-ins, refused attempts to manage a user) from
/// growing the audit log without bound: the first entry per key and window is recorded, and at most
/// <see cref="AuditThrottleOptions.MaxPerMinute"/> such entries a minute in all. What is left out is logged instead.
/// </summary>
public sealed class AuditThrottle(AuditThrottleOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perKey = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = 1, Window = options.RepeatWindow, QueueLimit = 0 }));

    private readonly RateLimiter _overall = new FixedWindowRateLimiter(
        new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, options.MaxPerMinute), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    /// <summary>Whether an entry for <paramref name="key"/> may be recorded now; without a key only the overall cap applies.</summary>
    public bool Allows(string? key)
    {
        if (key is not null)
        {
            using var first = _perKey.AttemptAcquire(key);
            if (!first.IsAcquired)
            {
                return false;
            }
        }
        using var lease = _overall.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _perKey.Dispose();
        _overall.Dispose();
    }
}
