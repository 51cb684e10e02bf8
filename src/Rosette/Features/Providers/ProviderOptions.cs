namespace Rosette.Features.Providers;

public sealed class ProviderOptions
{
    public const string Section = "Rosette:Providers";

    public bool DispatcherEnabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Deliveries claimed per round; they are sent <see cref="Concurrency"/> at a time.</summary>
    public int BatchSize { get; set; } = 200;

    public int Concurrency { get; set; } = 64;

    /// <summary>
    /// Requests in flight to one Credly organization from this instance, however many deliveries are due: Credly publishes
    /// no rate for its Web Service API, so a modest number keeps one organization's burst from tripping its throttling
    /// (429 with Retry-After is honoured anyway). With several instances, the organization sees their sum.
    /// </summary>
    public int ConcurrencyPerOrganization { get; set; } = 8;

    /// <summary>Rounds run side by side in one instance, so that one round's database work overlaps another's requests.</summary>
    public int Loops { get; set; } = 4;

    /// <summary>How long a claim lasts: a crashed instance's deliveries are taken over after it.</summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The time limit of one request to a provider.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Why these settings cannot work, or null. A badge is sent only while the round's claim lasts twice the attempt
    /// timeout, and claims are renewed every third of their duration: a claim shorter than three attempt timeouts would
    /// stop sends, or (were they not stopped) let another instance send the same badge while a request is still pending.
    /// </summary>
    public string? Problem() =>
        AttemptTimeout <= TimeSpan.Zero ? $"{Section}:AttemptTimeout must be positive."
        : ClaimDuration < AttemptTimeout * 3
            ? $"{Section}:ClaimDuration ({ClaimDuration}) must be at least three times {Section}:AttemptTimeout ({AttemptTimeout}): "
              + "a badge is sent only under a claim that outlasts the request."
        : PollInterval <= TimeSpan.Zero ? $"{Section}:PollInterval must be positive."
        : BatchSize < 1 || Concurrency < 1 || ConcurrencyPerOrganization < 1
            ? $"{Section}:BatchSize, {Section}:Concurrency and {Section}:ConcurrencyPerOrganization must be at least 1."
        : null;

    /// <summary>Hosts a provider's API may be on besides Credly's own (api.credly.com, sandbox-api.credly.com).</summary>
    public List<string> AllowedHosts { get; set; } = [];
}
