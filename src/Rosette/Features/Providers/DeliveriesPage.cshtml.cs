using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Providers;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Providers;

/// <summary>Deliveries to badge providers: filter by status, retry the failed ones, open one to read every attempt.</summary>
public sealed class DeliveriesPageModel(DeliveriesHandler deliveries) : PageModel
{
    public const int PageSize = 50;

    public static readonly (string Value, string Label)[] Statuses =
    [
        ("", "All"), ("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed"),
        ("revocation_pending", "Revocation pending"), ("revoked_at_provider", "Revoked at provider"),
    ];

    public Paged<DeliveryDto> Deliveries { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public string? Status { get; private set; }

    [TempData]
    public string? DeliveriesMessage { get; set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] string? status, [FromQuery] Guid? providerId, [FromQuery] int? page, CancellationToken cancellationToken)
    {
        // A provider id that does not parse is refused as a page number that does not is, not read as "every provider".
        if (ModelState.GetFieldValidationState("providerId") == ModelValidationState.Invalid)
        {
            return this.ErrorPage(new InvalidError(InvalidError.ValidationFailed, "'providerId' must be a provider's id, as the provider page links it."));
        }
        Status = string.IsNullOrEmpty(status) ? null : status;
        var list = await deliveries.ListAsync(HttpContext.GetActor(), new DeliveryListRequest(page, PageSize, Status, providerId, null), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Deliveries = list.Value;
        var path = "/deliveries" + QueryString.Create(new Dictionary<string, string?> { ["status"] = Status, ["providerId"] = providerId?.ToString() }
            .Where(p => p.Value is not null));
        Pager = new Pager(path, Deliveries.Page, Deliveries.PageSize, Deliveries.Total, null, PageSize);
        return Page();
    }

    public async Task<IActionResult> OnPostRetryAsync(Guid awardId, string? returnStatus, CancellationToken cancellationToken)
    {
        var retried = await deliveries.RetryAsync(HttpContext.GetActor(), awardId, cancellationToken);
        if (!retried.IsSuccess)
        {
            return this.ErrorPage(retried.Error);
        }
        DeliveriesMessage = $"The delivery of {retried.Value.BadgeName} to {retried.Value.StudentName} will be tried again now.";
        return Redirect("/deliveries" + (string.IsNullOrEmpty(returnStatus) ? "" : $"?status={Uri.EscapeDataString(returnStatus)}"));
    }

    public static string Label(DeliveryStatus status) => status switch
    {
        DeliveryStatus.RevocationPending => "Revocation pending",
        DeliveryStatus.RevokedAtProvider => "Revoked at provider",
        _ => status.ToString(),
    };
}
