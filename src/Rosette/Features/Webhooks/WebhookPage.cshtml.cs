using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain.Webhooks;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Webhooks;

/// <summary>
/// One endpoint: turn it off and on, delete it, make a new secret (shown once), and read its deliveries, replaying the failed
/// (dead-lettered) ones one by one or all at once. The page the disabling mail links to.
/// </summary>
public sealed class WebhookPageModel(WebhookEndpointsHandler endpoints) : PageModel
{
    public const int PageSize = 50;

    public static readonly (string Value, string Label)[] Statuses = [("", "All"), ("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed")];

    public WebhookEndpointDto Endpoint { get; private set; } = null!;

    public Paged<WebhookDeliveryDto> Deliveries { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public string? Status { get; private set; }

    /// <summary>A secret just made: rendered in this answer only.</summary>
    public string? NewSecret { get; private set; }

    [TempData]
    public string? WebhookMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid endpointId, [FromQuery] string? status, [FromQuery] int? page, CancellationToken cancellationToken) =>
        await LoadAsync(endpointId, status, page, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostEnabledAsync(Guid endpointId, bool enabled, CancellationToken cancellationToken)
    {
        var updated = await endpoints.UpdateAsync(HttpContext.GetActor(), endpointId, new UpdateWebhookEndpointRequest(null, null, null, enabled), cancellationToken);
        if (!updated.IsSuccess)
        {
            return this.ErrorPage(updated.Error!);
        }
        WebhookMessage = enabled ? "The endpoint is enabled: pending deliveries are sent again." : "The endpoint is disabled: its events wait until it is enabled again.";
        return Redirect($"/webhooks/{endpointId}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var endpoint = await endpoints.GetAsync(actor, endpointId, cancellationToken);
        if (!endpoint.IsSuccess)
        {
            return this.ErrorPage(endpoint.Error!);
        }
        if (await endpoints.DeleteAsync(actor, endpointId, cancellationToken) is { } error)
        {
            return this.ErrorPage(error);
        }
        TempData["WebhooksMessage"] = $"The endpoint {endpoint.Value.Url} was deleted.";
        return Redirect("/webhooks");
    }

    public async Task<IActionResult> OnPostSecretAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var rotated = await endpoints.RotateSecretAsync(HttpContext.GetActor(), endpointId, cancellationToken);
        if (!rotated.IsSuccess)
        {
            return this.ErrorPage(rotated.Error!);
        }
        NewSecret = rotated.Value.Secret;
        return await LoadAsync(endpointId, null, null, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostReplayAsync(Guid endpointId, long deliveryId, string? returnStatus, CancellationToken cancellationToken)
    {
        var replayed = await endpoints.ReplayAsync(HttpContext.GetActor(), endpointId, deliveryId, cancellationToken);
        if (!replayed.IsSuccess)
        {
            return this.ErrorPage(replayed.Error!);
        }
        WebhookMessage = $"The {replayed.Value.Type} event {replayed.Value.EventId} will be sent again now.";
        return Redirect(PathFor(endpointId, returnStatus));
    }

    public async Task<IActionResult> OnPostReplayFailedAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var replayed = await endpoints.ReplayFailedAsync(HttpContext.GetActor(), endpointId, cancellationToken);
        if (!replayed.IsSuccess)
        {
            return this.ErrorPage(replayed.Error!);
        }
        WebhookMessage = replayed.Value.Replayed == 1 ? "1 failed delivery will be sent again now." : $"{replayed.Value.Replayed:N0} failed deliveries will be sent again now.";
        return Redirect($"/webhooks/{endpointId}");
    }

    private static string PathFor(Guid endpointId, string? status) =>
        $"/webhooks/{endpointId}" + (string.IsNullOrEmpty(status) ? "" : $"?status={Uri.EscapeDataString(status)}");

    private async Task<IActionResult?> LoadAsync(Guid endpointId, string? status, int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var endpoint = await endpoints.GetAsync(actor, endpointId, cancellationToken);
        if (!endpoint.IsSuccess)
        {
            return this.ErrorPage(endpoint.Error!);
        }
        Status = string.IsNullOrEmpty(status) ? null : status;
        WebhookDeliveryStatus? filter = Status is null ? null
            : Enum.TryParse<WebhookDeliveryStatus>(Status, ignoreCase: true, out var parsed) ? parsed
            : null;
        if (Status is not null && filter is null)
        {
            return BadRequest();
        }
        var deliveries = await endpoints.DeliveriesAsync(actor, endpointId, new WebhookDeliveryListRequest(page, PageSize, filter), cancellationToken);
        if (!deliveries.IsSuccess)
        {
            return this.ErrorPage(deliveries.Error!);
        }
        Endpoint = endpoint.Value;
        Deliveries = deliveries.Value;
        Pager = new Pager($"/webhooks/{endpointId}", Deliveries.Page, Deliveries.PageSize, Deliveries.Total, null, PageSize, [new("status", Status)]);
        return null;
    }
}
