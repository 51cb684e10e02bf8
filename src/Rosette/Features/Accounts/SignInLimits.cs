using System.Threading.RateLimiting;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Accounts;

/// <summary>Limits on signing in and on password resets (<c>Rosette:SignIn</c>).</summary>
public sealed class SignInLimitOptions
{
    public const string Section = "Rosette:SignIn";

    /// <summary>Sign-in and password-reset requests (POST) per client address and <see cref="AddressWindow"/>, whatever the account.</summary>
    public int PermitsPerAddress { get; set; } = 60;

    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed attempts on one account (or reset link) from one client address per <see cref="FailureWindow"/>; then 429.</summary>
    public int FailuresPerAccount { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Consecutive failures from any addresses that lock the account itself (Identity's lockout, kept in the database and so
    /// shared by every instance). Higher than <see cref="FailuresPerAccount"/>: one address alone cannot lock anyone out.
    /// </summary>
    public int AccountLockoutFailures { get; set; } = 20;

    public TimeSpan AccountLockout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Brute force and lockout abuse, bounded twice: ASP.NET Core rate limiting counts every sign-in and password-reset POST
/// per client address (policy <see cref="Policy"/>), and this class counts failures per account and address, for unknown
/// emails exactly as for real ones (so the limit tells nobody which accounts exist). Both answer 429 <c>rate_limited</c>
/// with Retry-After. The counts live in memory: each instance counts its own (the account lockout is in the database).
/// </summary>
public sealed class SignInLimits(SignInLimitOptions options) : IDisposable
{
    public const string Policy = "sign-in";

    /// <summary>Every request of a single sign-on flow (start, callback), per client address.</summary>
    public const string SingleSignOnPolicy = "single-sign-on";

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.FailuresPerAccount), Window = options.FailureWindow, QueueLimit = 0,
        }));

    /// <summary>Null when <paramref name="account"/> may be tried from <paramref name="address"/> now.</summary>
    public RateLimitedError? Check(string account, string address)
    {
        using var lease = _failures.AttemptAcquire(Key(account, address), 0);
        return lease.IsAcquired ? null : RateLimitedError.After(lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.FailureWindow);
    }

    public void Failed(string account, string address)
    {
        using var lease = _failures.AttemptAcquire(Key(account, address));
    }

    /// <summary>Every spelling of one email address is one account (<see cref="EmailAddress.Normalize"/>); a reset link is upper-cased.</summary>
    private static string Key(string account, string address) => $"{EmailAddress.Normalize(account.Trim())}|{address}";

    public void Dispose() => _failures.Dispose();
}

public static class SignInLimitsSetup
{
    public static IServiceCollection AddSignInLimits(this IServiceCollection services, SignInLimitOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<SignInLimits>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInLimits.Policy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = Math.Max(1, options.PermitsPerAddress), Window = options.AddressWindow, QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("reads"));
            o.AddPolicy(SignInLimits.SingleSignOnPolicy, context => RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(context), _ =>
                new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, options.PermitsPerAddress), Window = options.AddressWindow, QueueLimit = 0 }));
            o.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var error = RateLimitedError.After(rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.AddressWindow);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                error.WithRetryAfter(http.Response);
                if (http.Request.IsApi())
                {
                    await error.ToProblem().ExecuteAsync(http);
                }
                else
                {
                    // The HTML error page (re-executed for the empty 429) shows the message.
                    http.Items[typeof(Error)] = error;
                }
            };
        });
        return services;
    }
}
