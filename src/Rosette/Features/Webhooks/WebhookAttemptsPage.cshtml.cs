using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Webhooks;

/// <summary>An endpoint's delivery log, paged: every attempt (or one delivery's) with its answer, error and time.</summary>
public sealed class WebhookAttemptsPageModel(WebhookEndpointsHandler endpoints, WebhookDeliveryLogHandler log) : PageModel
{
    public const int PageSize = 50;

    public WebhookEndpointDto Endpoint { get; private set; } = null!;

    public Paged<WebhookAttemptDto> Attempts { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public long? DeliveryId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid endpointId, [FromQuery] long? delivery, [FromQuery] int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var endpoint = await endpoints.GetAsync(actor, endpointId, cancellationToken);
        if (!endpoint.IsSuccess)
        {
            return this.ErrorPage(endpoint.Error);
        }
        var attempts = await log.AttemptsAsync(actor, endpointId, new WebhookAttemptListRequest(page, PageSize, delivery), cancellationToken);
        if (!attempts.IsSuccess)
        {
            return this.ErrorPage(attempts.Error);
        }
        Endpoint = endpoint.Value;
        Attempts = attempts.Value;
        DeliveryId = delivery;
        Pager = new Pager($"/webhooks/{endpointId}/attempts", Attempts.Page, Attempts.PageSize, Attempts.Total, null, PageSize,
            [new("delivery", delivery?.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        return Page();
    }
}
