using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Webhooks;

/// <summary>
/// One endpoint: change its URL, events and description, turn it off and on, delete it, make a new secret (shown once), read
/// its deliveries and latest attempts, and replay the failed (dead-lettered) deliveries one by one or all at once. The page
/// the disabling mail links to.
/// </summary>
public sealed class WebhookPageModel(WebhookEndpointsHandler endpoints, WebhookDeliveryLogHandler log) : PageModel
{
    public const int PageSize = 50;

    /// <summary>The latest attempts shown here; the attempts page has them all.</summary>
    public const int LatestAttempts = 10;

    public static readonly (string Value, string Label)[] Statuses = [("", "All"), ("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed")];

    public WebhookEndpointDto Endpoint { get; private set; } = null!;

    public Paged<WebhookDeliveryDto> Deliveries { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public Paged<WebhookAttemptDto> Attempts { get; private set; } = null!;

    /// <summary>The edit form: the endpoint as stored, or as posted when it was refused.</summary>
    [BindProperty]
    public WebhookForm Form { get; set; } = new();

    public string? Status { get; private set; }

    /// <summary>A secret just made: rendered in this answer only.</summary>
    public string? NewSecret { get; private set; }

    [TempData]
    public string? WebhookMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid endpointId, [FromQuery] string? status, [FromQuery] int? page, CancellationToken cancellationToken) =>
        await LoadAsync(endpointId, status, page, cancellationToken) ?? Page();

    /// <summary>The same change as the API's PATCH: an empty URL or description is sent as empty (refused or cleared), never as "unchanged".</summary>
    public async Task<IActionResult> OnPostEditAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var updated = await endpoints.UpdateAsync(HttpContext.GetActor(), endpointId,
            new UpdateWebhookEndpointRequest(Form.Url ?? "", Form.Events, Form.Description ?? "", null), cancellationToken);
        if (updated.IsSuccess)
        {
            WebhookMessage = "The endpoint was saved.";
            return Redirect($"/webhooks/{endpointId}");
        }
        if (updated.Error is not InvalidError)
        {
            return this.ErrorPage(updated.Error);
        }
        ModelState.AddError(updated.Error, "Form");
        return await LoadAsync(endpointId, null, null, cancellationToken, keepForm: true) ?? Page();
    }

    public async Task<IActionResult> OnPostEnabledAsync(Guid endpointId, bool enabled, CancellationToken cancellationToken)
    {
        var updated = await endpoints.UpdateAsync(HttpContext.GetActor(), endpointId, new UpdateWebhookEndpointRequest(null, null, null, enabled), cancellationToken);
        if (!updated.IsSuccess)
        {
            return this.ErrorPage(updated.Error);
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
            return this.ErrorPage(endpoint.Error);
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
            return this.ErrorPage(rotated.Error);
        }
        NewSecret = rotated.Value.Secret;
        return await LoadAsync(endpointId, null, null, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostReplayAsync(Guid endpointId, long deliveryId, string? returnStatus, CancellationToken cancellationToken)
    {
        var replayed = await endpoints.ReplayAsync(HttpContext.GetActor(), endpointId, deliveryId, cancellationToken);
        if (!replayed.IsSuccess)
        {
            return this.ErrorPage(replayed.Error);
        }
        WebhookMessage = $"The {replayed.Value.Type} event {replayed.Value.EventId} will be sent again now.";
        return Redirect(PathFor(endpointId, returnStatus));
    }

    public async Task<IActionResult> OnPostReplayFailedAsync(Guid endpointId, CancellationToken cancellationToken)
    {
        var replayed = await endpoints.ReplayFailedAsync(HttpContext.GetActor(), endpointId, cancellationToken);
        if (!replayed.IsSuccess)
        {
            return this.ErrorPage(replayed.Error);
        }
        WebhookMessage = replayed.Value.Replayed == 1 ? "1 failed delivery will be sent again now." : $"{replayed.Value.Replayed:N0} failed deliveries will be sent again now.";
        return Redirect($"/webhooks/{endpointId}");
    }

    private static string PathFor(Guid endpointId, string? status) =>
        $"/webhooks/{endpointId}" + (string.IsNullOrEmpty(status) ? "" : $"?status={Uri.EscapeDataString(status)}");

    private async Task<IActionResult?> LoadAsync(Guid endpointId, string? status, int? page, CancellationToken cancellationToken, bool keepForm = false)
    {
        var actor = HttpContext.GetActor();
        var endpoint = await endpoints.GetAsync(actor, endpointId, cancellationToken);
        if (!endpoint.IsSuccess)
        {
            return this.ErrorPage(endpoint.Error);
        }
        Status = string.IsNullOrEmpty(status) ? null : status;
        WebhookDeliveryStatus? filter = Status is null ? null
            : Enum.TryParse<WebhookDeliveryStatus>(Status, ignoreCase: true, out var parsed) ? parsed
            : null;
        if (Status is not null && filter is null)
        {
            return BadRequest();
        }
        var deliveries = await log.DeliveriesAsync(actor, endpointId, new WebhookDeliveryListRequest(page, PageSize, filter), cancellationToken);
        if (!deliveries.IsSuccess)
        {
            return this.ErrorPage(deliveries.Error);
        }
        var attempts = await log.AttemptsAsync(actor, endpointId, new WebhookAttemptListRequest(1, LatestAttempts, null), cancellationToken);
        if (!attempts.IsSuccess)
        {
            return this.ErrorPage(attempts.Error);
        }
        Endpoint = endpoint.Value;
        Deliveries = deliveries.Value;
        Attempts = attempts.Value;
        if (!keepForm)
        {
            ModelState.Clear();
            Form = new WebhookForm { Url = Endpoint.Url, Events = [.. Endpoint.Events], Description = Endpoint.Description };
        }
        Pager = new Pager($"/webhooks/{endpointId}", Deliveries.Page, Deliveries.PageSize, Deliveries.Total, null, PageSize, [new("status", Status)]);
        return null;
    }
}
