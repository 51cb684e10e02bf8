using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Providers;

/// <summary>One delivery with its attempts and the provider's answers.</summary>
public sealed class DeliveryPageModel(DeliveriesHandler deliveries) : PageModel
{
    public DeliveryDto Delivery { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid awardId, CancellationToken cancellationToken)
    {
        var delivery = await deliveries.GetAsync(HttpContext.GetActor(), awardId, cancellationToken);
        if (!delivery.IsSuccess)
        {
            return this.ErrorPage(delivery.Error);
        }
        Delivery = delivery.Value;
        return Page();
    }
}
