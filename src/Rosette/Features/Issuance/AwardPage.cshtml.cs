using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain.Issuance;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>An award's details (who issued it, when, from which batch, its delivery to a provider) and, for administrators, its revocation.</summary>
public sealed class AwardPageModel(AwardsHandler awards, DeliveriesHandler deliveries) : PageModel
{
    public AwardDto Award { get; private set; } = null!;

    public DeliveryDto? Delivery { get; private set; }

    public bool CanRevoke { get; private set; }

    [BindProperty]
    public string? Reason { get; set; }

    [TempData]
    public string? AwardMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid awardId, CancellationToken cancellationToken) =>
        await LoadAsync(awardId, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostRevokeAsync(Guid awardId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(awardId, cancellationToken) is { } error)
        {
            return error;
        }
        var revoked = await awards.RevokeAsync(HttpContext.GetActor(), awardId, new RevokeAwardRequest(Reason, null), cancellationToken);
        if (!revoked.IsSuccess)
        {
            if (revoked.Error is Domain.InvalidError or Domain.ConflictError)
            {
                ModelState.AddModelError(nameof(Reason), revoked.Error.Message);
                return Page();
            }
            return this.ErrorPage(revoked.Error);
        }
        AwardMessage = "The award was revoked.";
        return Redirect($"/awards/{awardId}");
    }

    private async Task<IActionResult?> LoadAsync(Guid awardId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var award = await awards.GetAsync(actor, awardId, cancellationToken);
        if (!award.IsSuccess)
        {
            return this.ErrorPage(award.Error);
        }
        Award = award.Value;
        CanRevoke = actor.IsAdministrator && Award.Status != AwardStatus.Revoked;
        if (actor.IsAdministrator)
        {
            var delivery = await deliveries.GetAsync(actor, awardId, cancellationToken);
            Delivery = delivery.IsSuccess ? delivery.Value : null;
        }
        return null;
    }
}
