using System.Security.Cryptography;
using System.Text;

namespace Rosette.Domain.Webhooks;

/// <summary>
/// Something that happened, as sent to endpoints: its id (the <c>webhook-id</c> receivers deduplicate by), type, organization
/// and the JSON body, fixed when it happened so that every attempt and replay sends the same bytes. Its id is derived
/// from what it is about (type and subject), so that recording it twice records it once.
/// </summary>
public sealed class WebhookEvent
{
    private WebhookEvent()
    {
    }

    public Guid Id { get; private set; }

    public string Type { get; private set; } = "";

    /// <summary>The organization whose subtree's endpoints may receive it (the badge's, the achievement's, the batch's).</summary>
    public Guid OrganizationId { get; private set; }

    /// <summary>What the event is about (an award, a batch, an earning): events of one subject are delivered in order.</summary>
    public Guid SubjectId { get; private set; }

    public DateTime OccurredAt { get; private set; }

    public string Payload { get; private set; } = "";

    public static WebhookEvent Create(Guid id, string type, Guid organizationId, Guid subjectId, DateTime occurredAt, string payload) => new()
    {
        Id = id,
        Type = type,
        OrganizationId = organizationId,
        SubjectId = subjectId,
        // Whole seconds like every stored time: the order per award compares these, and a time with a fraction would sort
        // after a later one without (an award.issued stamped 12:00:00.7 behind its award.revoked stamped 12:00:00).
        OccurredAt = new DateTime(occurredAt.Ticks - occurredAt.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc),
        Payload = payload,
    };

    /// <summary>The id of the event of <paramref name="type"/> about <paramref name="key"/> (a UUID made from a SHA-256 of both, version 8).</summary>
    public static Guid IdFor(string type, string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{type}/{key}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// One event on its way to one endpoint: at least once, in order per subject (a delivery waits while an earlier one of its
/// subject to the same endpoint is pending), retried with backoff for <see cref="RetryWindow"/> after its first attempt,
/// then failed (dead-lettered) until an administrator replays it.
/// </summary>
public sealed class WebhookDelivery
{
    public static readonly TimeSpan RetryWindow = TimeSpan.FromDays(3);
    public const int ErrorMaxLength = 300;

    private WebhookDelivery()
    {
    }

    /// <summary>Also the order of deliveries of one subject: they were recorded in the order their events happened.</summary>
    public long Id { get; private set; }

    public Guid EndpointId { get; private set; }

    public Guid EventId { get; private set; }

    public Guid SubjectId { get; private set; }

    public WebhookDeliveryStatus Status { get; private set; }

    public int Attempts { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime NextAttemptAt { get; private set; }

    public DateTime? FirstAttemptAt { get; private set; }

    public DateTime? LastAttemptAt { get; private set; }

    public DateTime? CompletedAt { get; private set; }

    public int? LastStatusCode { get; private set; }

    public string? LastError { get; private set; }

    public string? ClaimedBy { get; private set; }

    public DateTime? ClaimedUntil { get; private set; }

    public static WebhookDelivery Create(Guid endpointId, WebhookEvent webhookEvent, DateTime now) => new()
    {
        EndpointId = endpointId,
        EventId = webhookEvent.Id,
        SubjectId = webhookEvent.SubjectId,
        Status = WebhookDeliveryStatus.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>The endpoint answered 2xx.</summary>
    public void Delivered(int statusCode, DateTime startedAt, DateTime now)
    {
        Begin(startedAt);
        Status = WebhookDeliveryStatus.Delivered;
        LastStatusCode = statusCode;
        LastError = null;
        CompletedAt = now;
        Release();
    }

    /// <summary>Anything else: tried again with backoff, or failed for good once the retry window is over.</summary>
    public void Failed(int? statusCode, string error, DateTime startedAt, DateTime now)
    {
        Begin(startedAt);
        LastStatusCode = statusCode;
        LastError = Text.Excerpt(error, ErrorMaxLength);
        var next = now + Backoff(Attempts);
        if (next - FirstAttemptAt!.Value > RetryWindow)
        {
            Status = WebhookDeliveryStatus.Failed;
            CompletedAt = now;
        }
        else
        {
            NextAttemptAt = next;
        }
        Release();
    }

    /// <summary>An administrator sends it again: a fresh retry window. Only failed (dead-lettered) deliveries are replayed.</summary>
    public Error? Replay(DateTime now)
    {
        if (Status != WebhookDeliveryStatus.Failed)
        {
            return WebhookErrors.DeliveryNotFailed;
        }
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAt = now;
        FirstAttemptAt = null;
        CompletedAt = null;
        return null;
    }

    private void Begin(DateTime startedAt)
    {
        Attempts++;
        FirstAttemptAt ??= startedAt;
        LastAttemptAt = startedAt;
    }

    private void Release()
    {
        ClaimedBy = null;
        ClaimedUntil = null;
    }

    /// <summary>Exponential from 5 s, capped at an hour, with ±25% jitter so that retries spread out.</summary>
    public static TimeSpan Backoff(int attempts) => Retries.Backoff(attempts - 1, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));
}

/// <summary>One request to an endpoint and what came back: the endpoint's delivery log.</summary>
public sealed class WebhookAttempt
{
    private WebhookAttempt()
    {
    }

    public long Id { get; private set; }

    public long DeliveryId { get; private set; }

    public Guid EndpointId { get; private set; }

    public Guid EventId { get; private set; }

    public DateTime At { get; private set; }

    public int? StatusCode { get; private set; }

    /// <summary>Why it failed (a short, sanitised excerpt of the answer or the transport error); null when delivered.</summary>
    public string? Error { get; private set; }

    public int DurationMs { get; private set; }

    public static WebhookAttempt Create(WebhookDelivery delivery, DateTime at, int? statusCode, string? error, TimeSpan duration) => new()
    {
        DeliveryId = delivery.Id,
        EndpointId = delivery.EndpointId,
        EventId = delivery.EventId,
        At = at,
        StatusCode = statusCode,
        Error = Text.Excerpt(error, WebhookDelivery.ErrorMaxLength),
        DurationMs = (int)Math.Min(int.MaxValue, duration.TotalMilliseconds),
    };
}
