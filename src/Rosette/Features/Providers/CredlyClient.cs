using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

/// <summary>Where and how to reach one provider account.</summary>
public sealed record ProviderEndpoint(string ApiBaseUrl, string ProviderOrganizationId, string ApiToken);

/// <summary>
/// What Credly needs to issue a badge to one earner (Credly's "Issue a Badge": POST /organizations/{id}/badges). Optional
/// fields are left out when Rosette has nothing for them, except <c>expires_at</c>, which is always sent: Credly reads
/// null (or its absence) as "the template's default expiration" and <c>false</c> as "no expiration".
/// </summary>
public sealed record CredlyIssue(
    [property: JsonPropertyName("recipient_email")] string RecipientEmail,
    [property: JsonPropertyName("issued_to_first_name")] string IssuedToFirstName,
    [property: JsonPropertyName("issued_to_last_name")] string IssuedToLastName,
    [property: JsonPropertyName("badge_template_id")] string BadgeTemplateId,
    [property: JsonPropertyName("issued_at")] string IssuedAt,
    [property: JsonPropertyName("issuer_earner_id")] string IssuerEarnerId,
    [property: JsonPropertyName("expires_at")] object ExpiresAt,
    [property: JsonPropertyName("suppress_badge_notification_email")] bool SuppressBadgeNotificationEmail,
    [property: JsonPropertyName("locale"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Locale,
    [property: JsonPropertyName("evidence"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CredlyEvidence>? Evidence)
{
    /// <summary>
    /// <c>replace</c> on a renewal: Credly replaces the earner's badge of this template with this one (new expiry, evidence)
    /// instead of refusing it as a duplicate (Credly's issuer help, "Bulk Replacement": the API's <c>duplicate_behavior</c>).
    /// Sent again it changes nothing more, so a renewal can be retried after an unclear answer without a lookup.
    /// </summary>
    [JsonPropertyName("duplicate_behavior"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DuplicateBehavior { get; init; }

    /// <summary>The locales Credly mails in (its documentation lists them; "en" when none is sent).</summary>
    public static readonly IReadOnlyList<string> Locales = ["en", "fr", "de", "ko", "ja", "zh-CN", "pt", "es-ES", "es-US", "fr-CA", "pt-BR"];

    /// <summary>Credly's evidence text is short (its issuing form allows 350 characters); the whole narrative stays in the credential.</summary>
    public const int EvidenceMaxLength = 350;

    /// <summary>Credly's time format: "2014-04-01 09:41:00 -0500".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    public static CredlyIssue For(
        string email, string firstName, string lastName, string templateId, DateTime issuedAt, Guid studentId, DateTime? expiresAt,
        bool rosetteMails, string? organizationLanguage, string? narrative) => new(
        email, firstName, lastName, templateId, Time(issuedAt), studentId.ToString(),
        expiresAt is { } expires ? Time(expires) : false,
        SuppressBadgeNotificationEmail: rosetteMails,
        LocaleFor(organizationLanguage),
        narrative is null ? null : [CredlyEvidence.Text("Note", narrative.Length <= EvidenceMaxLength ? narrative : narrative[..(EvidenceMaxLength - 1)] + "…")]);

    /// <summary>The Credly locale of a BCP 47 language tag: the tag itself when Credly lists it, else its language alone, else none.</summary>
    public static string? LocaleFor(string? language)
    {
        if (language is null)
        {
            return null;
        }
        return Locales.FirstOrDefault(l => string.Equals(l, language, StringComparison.OrdinalIgnoreCase))
            ?? Locales.FirstOrDefault(l => !l.Contains('-', StringComparison.Ordinal) && string.Equals(l, language.Split('-')[0], StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>One item of Credly's <c>evidence</c> array: text evidence is an <c>IdEvidence</c> with a title and a description.</summary>
public sealed record CredlyEvidence(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("description")] string Description)
{
    public static CredlyEvidence Text(string title, string description) => new("IdEvidence", title, description);
}

/// <summary>
/// The answer to one request: the HTTP status and body when there was one, or the transport failure. <see cref="Reached"/>
/// is false only when the request certainly did not reach the provider (connection refused, open circuit).
/// </summary>
public sealed record CredlyAnswer(int? Status, string? Body, string? BadgeId, TimeSpan? RetryAfter, string? Failure, bool Reached, TimeSpan Duration)
{
    /// <summary>What is kept of a remote answer for people to read (the Deliveries page and API).</summary>
    public const int ExcerptLength = 300;

    /// <summary>The outbound policy refused the address: nothing was sent, and retrying will not help until an administrator acts.</summary>
    public bool Blocked { get; init; }

    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>Credly refused the badge as it stands (a duplicate among others): whether it is a duplicate is asked, not read from the wording.</summary>
    public bool IsUnprocessable => Status == 422;

    public bool IsRateLimited => Status == 429;

    /// <summary>4xx other than 408/409/425/429: a clear refusal that retrying will not change.</summary>
    public bool IsRefused => Blocked || Status is >= 400 and < 500 and not 408 and not 409 and not 425 and not 429;

    /// <summary>A short, sanitised account of the answer: never the whole body the remote side chose to send.</summary>
    public string Describe() => Failure ?? $"HTTP {Status}: {Domain.Text.Excerpt(Body, ExcerptLength)}";
}

/// <summary>
/// Credly's issued-badges API. Resilience (timeouts, circuit breaker, retries of safe requests) comes from
/// Microsoft.Extensions.Http.Resilience; retries that must outlive the process are the dispatcher's, in the database.
/// </summary>
public sealed class CredlyClient(HttpClient http, CredlyGate gate, ProviderAddressRules addresses)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<CredlyAnswer> IssueAsync(ProviderEndpoint endpoint, CredlyIssue issue, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Post, $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges",
            JsonSerializer.Serialize(issue, Json), cancellationToken);

    /// <summary>
    /// The earner's badge of a template, if the provider has one (the check after an ambiguous attempt or a 422). The earner
    /// is looked up by <c>issuer_earner_id</c> (our student id, which does not change when the student's email does), then,
    /// if that finds nothing, by email: Credly counts a badge of the same template as a duplicate under either.
    /// </summary>
    public async Task<CredlyAnswer> FindAsync(ProviderEndpoint endpoint, string issuerEarnerId, string email, string templateId, CancellationToken cancellationToken)
    {
        var byEarner = await FindByAsync(endpoint, $"issuer_earner_id::{issuerEarnerId}|badge_template_id::{templateId}", cancellationToken);
        return byEarner is { IsSuccess: true, BadgeId: null }
            ? await FindByAsync(endpoint, $"recipient_email::{email}|badge_template_id::{templateId}", cancellationToken)
            : byEarner;
    }

    private async Task<CredlyAnswer> FindByAsync(ProviderEndpoint endpoint, string filter, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(endpoint, HttpMethod.Get,
            $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges?filter={Uri.EscapeDataString(filter)}", null, cancellationToken);
        return answer.IsSuccess ? answer with { BadgeId = FirstBadgeId(answer.Body) } : answer;
    }

    public Task<CredlyAnswer> RevokeAsync(ProviderEndpoint endpoint, string providerBadgeId, string reason, bool suppressNotification, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Put,
            $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges/{Uri.EscapeDataString(providerBadgeId)}/revoke",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["reason"] = reason, ["suppress_revoke_notification_email"] = suppressNotification }, Json),
            cancellationToken);

    private async Task<CredlyAnswer> SendAsync(ProviderEndpoint endpoint, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        var uri = new Uri($"{endpoint.ApiBaseUrl.TrimEnd('/')}/{path}");
        if (!addresses.Allows(uri))
        {
            // Saved before the allow-list changed: the token and the student's data stay here.
            return new CredlyAnswer(null, null, null, null, $"The provider's address is not allowed ({uri.GetLeftPart(UriPartial.Authority)}): an administrator must correct it.",
                false, TimeSpan.Zero) { Blocked = true };
        }
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{endpoint.ApiToken}:")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var turn = await gate.EnterAsync(endpoint, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            // An answer that echoes the token must not put it on a page.
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (endpoint.ApiToken.Length > 0)
            {
                body = body.Replace(endpoint.ApiToken, "[token]", StringComparison.Ordinal);
            }
            var badgeId = response.IsSuccessStatusCode && method == HttpMethod.Post ? DataId(body) : null;
            return new CredlyAnswer((int)response.StatusCode, body, badgeId, RetryAfter(response), null, true, stopwatch.Elapsed);
        }
        catch (BrokenCircuitException e)
        {
            return new CredlyAnswer(null, null, null, null, $"The provider is failing ({e.Message}): requests are paused for a moment.", false, stopwatch.Elapsed);
        }
        catch (HttpRequestException e) when (e.InnerException is OutboundRefusedException refused)
        {
            return new CredlyAnswer(null, null, null, null, refused.Message, false, stopwatch.Elapsed) { Blocked = true };
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            return new CredlyAnswer(null, null, null, null, $"Cannot connect to the provider: {e.Message}", false, stopwatch.Elapsed);
        }
        catch (HttpRequestException e)
        {
            return new CredlyAnswer(null, null, null, null, $"The connection to the provider failed: {e.Message}", true, stopwatch.Elapsed);
        }
        catch (TimeoutRejectedException)
        {
            return new CredlyAnswer(null, null, null, null, "The provider did not answer in time.", true, stopwatch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CredlyAnswer(null, null, null, null, "The provider did not answer in time.", true, stopwatch.Elapsed);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    private static string? DataId(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("id", out var id) ? id.ToString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? FirstBadgeId(string? body)
    {
        try
        {
            using var document = JsonDocument.Parse(body ?? "");
            if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            return data.EnumerateArray()
                .Where(b => !b.TryGetProperty("state", out var state) || state.GetString() is not "revoked" and not "rejected")
                .Select(b => b.GetProperty("id").ToString()).FirstOrDefault();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Holds this instance's requests to one Credly organization (API base URL and organization id) to
/// <see cref="ProviderOptions.ConcurrencyPerOrganization"/> at a time, whatever number of delivery rounds run.
/// </summary>
public sealed class CredlyGate(ProviderOptions options)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), SemaphoreSlim> _gates = new();

    public async Task<IDisposable> EnterAsync(ProviderEndpoint endpoint, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd((endpoint.ApiBaseUrl, endpoint.ProviderOrganizationId),
            _ => new SemaphoreSlim(Math.Max(1, options.ConcurrencyPerOrganization)));
        await gate.WaitAsync(cancellationToken);
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
