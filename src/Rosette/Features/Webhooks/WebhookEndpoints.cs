using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Webhooks;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Webhooks;

/// <summary>An endpoint as the API shows it; <see cref="Secret"/> only in the answer that created it (or made a new one).</summary>
public sealed record WebhookEndpointDto(
    Guid Id, Guid OrganizationId, string Url, string? Description, IReadOnlyList<string> Events, bool IsEnabled, DateTime CreatedAt, DateTime UpdatedAt,
    DateTime? FailingSince, DateTime? DisabledAt, string? DisabledReason, string? Secret = null)
{
    public static WebhookEndpointDto From(WebhookEndpoint e, string? secret = null) => new(
        e.Id, e.OrganizationId, e.Url, e.Description, e.Events, e.IsEnabled, e.CreatedAt, e.UpdatedAt, e.FailingSince, e.DisabledAt, e.DisabledReason, secret);
}

public sealed record CreateWebhookEndpointRequest(Guid? OrganizationId, string? Url, IReadOnlyList<string>? Events, string? Description);

public sealed record UpdateWebhookEndpointRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

public sealed record ReplayResult(int Replayed);

/// <summary>
/// Endpoints per organization subtree: created, read, changed, deleted and replayed only by whoever may manage an
/// administrator of that organization (<see cref="WebhookRules.WhyNotManage"/>); outside one's scope they do not exist.
/// </summary>
public sealed class WebhookEndpointsHandler(RosetteDb db, WebhookSecrets secrets, WebhookSignal signal, Infrastructure.Http.OutboundOptions outbound, AuditLog audit, TimeProvider clock)
{
    public async Task<Result<WebhookEndpointDto>> CreateAsync(Actor actor, CreateWebhookEndpointRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null)
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        if (WebhookRules.WhyNotManage(actor, organization.Path, organizationId, "organization") is { } refused)
        {
            return refused;
        }
        var secret = WebhookSecrets.NewSecret();
        var created = WebhookEndpoint.Create(organizationId, request.Url, request.Events, request.Description, secrets.Protect(secret), actor.UserId,
            outbound.AllowPrivateNetworks, clock.UtcNowSeconds());
        if (!created.IsSuccess)
        {
            return created.Error;
        }
        db.WebhookEndpoints.Add(created.Value);
        audit.Record(actor, AuditKind.WebhookEndpointCreated, organizationId, created.Value.Id, $"Created webhook endpoint {created.Value.Url}",
            new { created.Value.Url, created.Value.Events });
        await db.SaveChangesAsync(cancellationToken);
        return WebhookEndpointDto.From(created.Value, secret);
    }

    public async Task<Result<Paged<WebhookEndpointDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return WebhookErrors.AdministratorsOnly;
        }
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var rows = await (from e in db.WebhookEndpoints.AsNoTracking()
                          join o in db.Organizations.AdministeredBy(actor) on e.OrganizationId equals o.Id
                          orderby e.CreatedAt, e.Id
                          select new { Endpoint = e, o.Path }).ToListAsync(cancellationToken);
        var term = paging.Term;
        // ?search= finds endpoints by URL or description.
        var manageable = rows.Where(r => WebhookRules.WhyNotManage(actor, r.Path, r.Endpoint.Id, "webhook_endpoint") is null).Select(r => r.Endpoint)
            .Where(e => term is null || e.Url.Contains(term, StringComparison.OrdinalIgnoreCase) || e.Description?.Contains(term, StringComparison.OrdinalIgnoreCase) == true)
            .ToList();
        var page = paging.PageNumber;
        var size = paging.Size;
        return new Paged<WebhookEndpointDto>(manageable.Skip((page - 1) * size).Take(size).Select(e => WebhookEndpointDto.From(e)).ToList(), page, size, manageable.Count);
    }

    public async Task<Result<WebhookEndpointDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: false, cancellationToken);
        return found.IsSuccess ? WebhookEndpointDto.From(found.Value) : found.Error;
    }

    public async Task<Result<WebhookEndpointDto>> UpdateAsync(Actor actor, Guid id, UpdateWebhookEndpointRequest request, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var endpoint = found.Value;
        var now = clock.UtcNowSeconds();
        var (url, events, description, isEnabled) = (endpoint.Url, endpoint.Events.ToArray(), endpoint.Description, endpoint.IsEnabled);
        if (endpoint.Update(request.Url, request.Events, request.Description, outbound.AllowPrivateNetworks, now) is { } invalid)
        {
            return invalid;
        }
        if (request.Enabled is { } enabled && enabled != endpoint.IsEnabled)
        {
            endpoint.SetEnabled(enabled, now);
        }
        var changes = new ChangeSet().Add("url", url, endpoint.Url).AddText("description", description, endpoint.Description)
            .Add("isEnabled", isEnabled, endpoint.IsEnabled);
        if (!events.SequenceEqual(endpoint.Events))
        {
            changes.Add("events", events, endpoint.Events.ToArray());
        }
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.WebhookEndpointUpdated, endpoint.OrganizationId, endpoint.Id, $"Updated webhook endpoint {endpoint.Url}: {changes.Fields}",
                changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return WebhookEndpointDto.From(endpoint);
    }

    /// <summary>A new secret, shown once; the old one stops signing at once.</summary>
    public async Task<Result<WebhookEndpointDto>> RotateSecretAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var secret = WebhookSecrets.NewSecret();
        found.Value.ReplaceSecret(secrets.Protect(secret), clock.UtcNowSeconds());
        audit.Record(actor, AuditKind.WebhookEndpointUpdated, found.Value.OrganizationId, found.Value.Id, $"Made a new secret for webhook endpoint {found.Value.Url}", new { secret = "new" });
        await db.SaveChangesAsync(cancellationToken);
        return WebhookEndpointDto.From(found.Value, secret);
    }

    public async Task<Error?> DeleteAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        db.WebhookEndpoints.Remove(found.Value);
        audit.Record(actor, AuditKind.WebhookEndpointDeleted, found.Value.OrganizationId, found.Value.Id, $"Deleted webhook endpoint {found.Value.Url}", new { found.Value.Url });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted by a concurrent request a moment ago: as if it had not been there (and audited once, by that request).
            return CommonErrors.NotFound("webhook_endpoint", id);
        }
        return null;
    }

    /// <summary>Sends one failed (dead-lettered) delivery again, with a fresh retry window.</summary>
    public async Task<Result<WebhookDeliveryDto>> ReplayAsync(Actor actor, Guid id, long deliveryId, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: false, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == id, cancellationToken);
        if (delivery is null)
        {
            return new NotFoundError("webhook_delivery_not_found", $"There is no delivery '{deliveryId}' of this endpoint.");
        }
        if (delivery.Replay(clock.UtcNowSeconds()) is { } error)
        {
            return error;
        }
        audit.Record(actor, AuditKind.WebhookDeliveriesReplayed, found.Value.OrganizationId, id, $"Replayed 1 webhook delivery to {found.Value.Url}", new { deliveryId });
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        var type = await db.WebhookEvents.Where(e => e.Id == delivery.EventId).Select(e => new { e.Type, e.OccurredAt }).SingleAsync(cancellationToken);
        return new WebhookDeliveryDto(delivery.Id, delivery.EventId, type.Type, type.OccurredAt, delivery.Status, delivery.Attempts, delivery.NextAttemptAt,
            delivery.LastAttemptAt, delivery.CompletedAt, delivery.LastStatusCode, delivery.LastError);
    }

    /// <summary>Sends every failed (dead-lettered) delivery of the endpoint again, in one statement.</summary>
    public async Task<Result<ReplayResult>> ReplayFailedAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await db.FindManageableEndpointAsync(actor, id, tracked: false, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var now = clock.UtcNowSeconds();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The same change as WebhookDelivery.Replay, set-based.
        var replayed = await db.WebhookDeliveries.Where(d => d.EndpointId == id && d.Status == WebhookDeliveryStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, WebhookDeliveryStatus.Pending).SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.FirstAttemptAt, (DateTime?)null).SetProperty(d => d.CompletedAt, (DateTime?)null), cancellationToken);
        audit.Record(actor, AuditKind.WebhookDeliveriesReplayed, found.Value.OrganizationId, id, $"Replayed {replayed} failed webhook deliveries to {found.Value.Url}", new { replayed });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        signal.Notify();
        return new ReplayResult(replayed);
    }
}
