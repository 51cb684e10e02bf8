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

/// <summary>What Credly needs to issue a badge to one earner.</summary>
public sealed record CredlyIssue(
    [property: JsonPropertyName("recipient_email")] string RecipientEmail,
    [property: JsonPropertyName("issued_to_first_name")] string IssuedToFirstName,
    [property: JsonPropertyName("issued_to_last_name")] string IssuedToLastName,
    [property: JsonPropertyName("badge_template_id")] string BadgeTemplateId,
    [property: JsonPropertyName("issued_at")] string IssuedAt,
    [property: JsonPropertyName("issuer_earner_id")] string IssuerEarnerId,
    [property: JsonPropertyName("expires_at")] string? ExpiresAt,
    [property: JsonPropertyName("suppress_badge_notification_email")] bool SuppressBadgeNotificationEmail)
{
    /// <summary>Credly's time format: "2014-04-01 09:41:00 -0500".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
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

    /// <summary>Credly's answer when the earner already has the badge: 422 that names it as already issued.</summary>
    public bool IsDuplicate => Status == 422 && Body?.Contains("already", StringComparison.OrdinalIgnoreCase) == true;

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
public sealed class CredlyClient(HttpClient http, ProviderAddressRules addresses)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<CredlyAnswer> IssueAsync(ProviderEndpoint endpoint, CredlyIssue issue, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Post, $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges",
            JsonSerializer.Serialize(issue, Json), cancellationToken);

    /// <summary>The earner's badge of a template, if the provider has one (the check after an ambiguous attempt).</summary>
    public async Task<CredlyAnswer> FindAsync(ProviderEndpoint endpoint, string email, string templateId, CancellationToken cancellationToken)
    {
        var filter = Uri.EscapeDataString($"recipient_email::{email}|badge_template_id::{templateId}");
        var answer = await SendAsync(endpoint, HttpMethod.Get, $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges?filter={filter}", null, cancellationToken);
        return answer.IsSuccess ? answer with { BadgeId = FirstBadgeId(answer.Body) } : answer;
    }

    public Task<CredlyAnswer> RevokeAsync(ProviderEndpoint endpoint, string providerBadgeId, string reason, CancellationToken cancellationToken) =>
        SendAsync(endpoint, HttpMethod.Put,
            $"organizations/{Uri.EscapeDataString(endpoint.ProviderOrganizationId)}/badges/{Uri.EscapeDataString(providerBadgeId)}/revoke",
            JsonSerializer.Serialize(new { reason }, Json), cancellationToken);

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
