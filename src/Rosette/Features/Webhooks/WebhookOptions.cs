using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Features.Webhooks;

/// <summary>Settings of outbound webhooks (section Rosette:Webhooks).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Rosette:Webhooks";

    public bool DispatcherEnabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Deliveries claimed per round; they are sent <see cref="Concurrency"/> at a time.</summary>
    public int BatchSize { get; set; } = 500;

    public int Concurrency { get; set; } = 64;

    /// <summary>Requests in flight to one endpoint from this instance, whatever number of deliveries are due.</summary>
    public int ConcurrencyPerEndpoint { get; set; } = 32;

    /// <summary>Rounds run side by side in one instance, so that one round's database work overlaps another's requests.</summary>
    public int Loops { get; set; } = 2;

    /// <summary>How long a claim lasts: a crashed instance's deliveries are taken over after it.</summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an endpoint has to answer one delivery.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An endpoint whose every attempt failed for this long is disabled, and its organization's administrators are mailed.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(2);
}

/// <summary>Endpoint secrets, encrypted at rest with Data Protection: they must be used to sign, so they cannot be hashed.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Rosette.Webhooks.Secret.v1");

    /// <summary>A new secret as Standard Webhooks writes one: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => WebhookEndpoint.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>
/// The signature of the Standard Webhooks specification: <c>webhook-signature: v1,&lt;base64 of HMAC-SHA256("{id}.{timestamp}.{body}")&gt;</c>,
/// keyed by the bytes of the secret after <c>whsec_</c>, with <c>webhook-id</c> and <c>webhook-timestamp</c> (Unix seconds).
/// </summary>
public static class WebhookSignature
{
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(WebhookEndpoint.SecretPrefix, StringComparison.Ordinal) ? secret[WebhookEndpoint.SecretPrefix.Length..] : secret);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }
}

/// <summary>Wakes this instance's webhook dispatcher when deliveries were recorded here.</summary>
public sealed class WebhookSignal : WakeSignal;
