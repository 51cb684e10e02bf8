using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Webhooks;

public sealed record WebhookDeliveryDto(
    long Id, Guid EventId, string Type, DateTime OccurredAt, WebhookDeliveryStatus Status, int Attempts, DateTime NextAttemptAt, DateTime? LastAttemptAt,
    DateTime? CompletedAt, int? LastStatusCode, string? LastError);

public sealed record WebhookAttemptDto(long DeliveryId, Guid EventId, string Type, DateTime At, int? StatusCode, string? Error, int DurationMs);

/// <summary>A page of an endpoint's attempts, optionally only those of one delivery.</summary>
public sealed record WebhookAttemptListRequest(int? Page, int? PageSize, long? DeliveryId);

public sealed record WebhookDeliveryListRequest(int? Page, int? PageSize, WebhookDeliveryStatus? Status);

/// <summary>An endpoint's deliveries and attempts, read only by whoever may manage the endpoint.</summary>
public sealed class WebhookDeliveryLogHandler(RosetteDb db)
{
    /// <summary>The endpoint's deliveries, newest first, filtered by status.</summary>
    public async Task<Result<Paged<WebhookDeliveryDto>>> DeliveriesAsync(Actor actor, Guid id, WebhookDeliveryListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, null);
        if (await RefusedAsync(actor, id, paging, cancellationToken) is { } refused)
        {
            return refused;
        }
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id);
        if (request.Status is { } status)
        {
            deliveries = deliveries.Where(d => d.Status == status);
        }
        var rows = from d in deliveries
                   join e in db.WebhookEvents on d.EventId equals e.Id
                   orderby d.Id descending
                   select new WebhookDeliveryDto(d.Id, d.EventId, e.Type, e.OccurredAt, d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.CompletedAt,
                       d.LastStatusCode, d.LastError);
        return await paging.ToPageAsync(rows, r => r, cancellationToken);
    }

    /// <summary>The endpoint's delivery log: every attempt (or every attempt of one delivery), newest first.</summary>
    public async Task<Result<Paged<WebhookAttemptDto>>> AttemptsAsync(Actor actor, Guid id, WebhookAttemptListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, null);
        if (await RefusedAsync(actor, id, paging, cancellationToken) is { } refused)
        {
            return refused;
        }
        var attempts = db.WebhookAttempts.AsNoTracking().Where(a => a.EndpointId == id);
        if (request.DeliveryId is { } deliveryId)
        {
            attempts = attempts.Where(a => a.DeliveryId == deliveryId);
        }
        var rows = from a in attempts
                   join e in db.WebhookEvents on a.EventId equals e.Id
                   orderby a.Id descending
                   select new WebhookAttemptDto(a.DeliveryId, a.EventId, e.Type, a.At, a.StatusCode, a.Error, a.DurationMs);
        return await paging.ToPageAsync(rows, r => r, cancellationToken);
    }

    /// <summary>Why the read is refused: invalid paging first, then an endpoint the actor cannot find or may not manage.</summary>
    private async Task<Error?> RefusedAsync(Actor actor, Guid id, PageRequest paging, CancellationToken cancellationToken) =>
        paging.Validate() ?? (await db.FindManageableEndpointAsync(actor, id, tracked: false, cancellationToken)).Error;
}
