using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

/// <summary>
/// Credly's issued-badges API. Resilience (timeouts, circuit breaker, retries of safe requests) comes from
/// Microsoft.Extensions.Http.Resilience; retries that must outlive the process are the dispatcher's, in the database.
/// </summary>
public sealed class CredlyClient(HttpClient http, CredlyGate gate, ProviderAddressRules addresses)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The largest answer read (a page of found badges is a few kilobytes).</summary>
    public const int MaxAnswerBytes = 1 << 20;

    /// <summary>Makes the request the delivery rules (<see cref="DeliveryPolicy"/>) ask for.</summary>
    public Task<CredlyAnswer> CallAsync(ProviderRequest request, CredlyDelivery delivery, CancellationToken cancellationToken) => request.Call switch
    {
        ProviderCall.Find => FindAsync(delivery.Endpoint, delivery.Issue.IssuerEarnerId, delivery.Issue.RecipientEmail, delivery.Issue.BadgeTemplateId, cancellationToken),
        ProviderCall.Issue => IssueAsync(delivery.Endpoint, delivery.Issue, cancellationToken),
        ProviderCall.Revoke => RevokeAsync(delivery.Endpoint, request.BadgeId!, delivery.RevocationReason ?? "Revoked", delivery.RosetteMails, cancellationToken),
        // Credly's duplicate_behavior "replace" puts the renewed expiry on the badge the earner has.
        _ => IssueAsync(delivery.Endpoint, delivery.Issue with { DuplicateBehavior = "replace" }, cancellationToken),
    };

    /// <summary>The name a request is logged under, on the Deliveries page.</summary>
    public static string OperationName(ProviderCall call) => call switch
    {
        ProviderCall.Find => "find",
        ProviderCall.Issue => "issue",
        ProviderCall.Revoke => "revoke",
        _ => "renew",
    };

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
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{endpoint.ApiToken}:"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var turn = await gate.EnterAsync(endpoint, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            // The answer is buffered up to the client's MaxResponseContentBufferSize (ProviderRegistration); Credly's JSON is
            // UTF-8 (RFC 8259), read as such whatever charset the answer names.
            using var response = await http.SendAsync(request, cancellationToken);
            var body = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            // An answer that echoes the token, as sent or as its Authorization header, must not put it on a page.
            if (endpoint.ApiToken.Length > 0)
            {
                body = body.Replace(endpoint.ApiToken, "[token]", StringComparison.Ordinal).Replace(basic, "[token]", StringComparison.Ordinal);
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
