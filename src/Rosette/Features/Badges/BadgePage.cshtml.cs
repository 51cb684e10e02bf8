using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Badges;

/// <summary>A badge's Basic Information tab: edit it, replace its image, archive or restore it.</summary>
public sealed class BadgePageModel(BadgesHandler badges) : PageModel
{
    [BindProperty]
    public BadgeInput Input { get; set; } = new();

    public BadgeDto Badge { get; private set; } = null!;

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } failed)
        {
            return failed;
        }
        Input = new BadgeInput
        {
            Name = Badge.Name, Description = Badge.Description, Criteria = Badge.Criteria, AllowManualIssuance = Badge.AllowManualIssuance,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, IFormFile? image, CancellationToken cancellationToken)
    {
        // An empty criteria field clears the criteria: the handler reads "" as "none" and null as "unchanged".
        var request = new UpdateBadgeRequest(Input.Name ?? "", Input.Description ?? "", Input.Criteria ?? "", Input.AllowManualIssuance, null, null,
            await BadgePages.ToDataUriAsync(image, cancellationToken), null, null);
        var updated = await badges.UpdateAsync(HttpContext.GetActor(), id, request, cancellationToken);
        if (updated.IsSuccess)
        {
            Message = "Saved.";
            return Redirect($"/admin/badges/{id}");
        }
        if (updated.Error is NotFoundError or ForbiddenError)
        {
            return this.ErrorPage(updated.Error);
        }
        ModelState.AddError(updated.Error);
        return await LoadAsync(id, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostArchiveAsync(Guid id, bool archived, CancellationToken cancellationToken)
    {
        var updated = await badges.UpdateAsync(HttpContext.GetActor(), id,
            new UpdateBadgeRequest(null, null, null, null, archived, null, null, null, null), cancellationToken);
        if (!updated.IsSuccess)
        {
            return this.ErrorPage(updated.Error);
        }
        Message = archived ? "Archived: the badge can no longer be issued." : "Restored.";
        return Redirect($"/admin/badges/{id}");
    }

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var badge = await badges.GetAsync(HttpContext.GetActor(), id, cancellationToken);
        if (!badge.IsSuccess)
        {
            return this.ErrorPage(badge.Error);
        }
        Badge = badge.Value;
        return null;
    }
}
