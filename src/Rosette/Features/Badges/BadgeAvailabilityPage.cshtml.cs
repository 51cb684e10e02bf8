using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Badges;

/// <summary>The Availability tab: the child organizations that may attach the badge to their achievements.</summary>
public sealed class BadgeAvailabilityPageModel(BadgesHandler badges, OrganizationsHandler organizations) : PageModel
{
    public BadgeDto Badge { get; private set; } = null!;

    /// <summary>The descendants of the badge's organization in the administrator's scope.</summary>
    public IReadOnlyList<OrganizationNode> Children { get; private set; } = [];

    public int RootDepth { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid id, [FromForm] List<Guid> organizationIds, CancellationToken cancellationToken)
    {
        var updated = await badges.UpdateAsync(HttpContext.GetActor(), id,
            new UpdateBadgeRequest(null, null, null, null, null, organizationIds, null, null, null), cancellationToken);
        if (updated.IsSuccess)
        {
            Message = "Saved.";
            return Redirect($"/admin/badges/{id}/availability");
        }
        if (updated.Error is NotFoundError or ForbiddenError)
        {
            return this.ErrorPage(updated.Error);
        }
        ModelState.AddModelError("", updated.Error.Message);
        return await LoadAsync(id, cancellationToken) ?? Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var badge = await badges.GetAsync(actor, id, cancellationToken);
        if (!badge.IsSuccess)
        {
            return this.ErrorPage(badge.Error);
        }
        Badge = badge.Value;
        var tree = await organizations.LoadAsync(actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        RootDepth = tree.Value.FirstOrDefault(n => n.Organization.Id == Badge.OrganizationId)?.Depth ?? 0;
        Children = OrganizationTree.DescendantsOf(tree.Value, Badge.OrganizationId);
        return null;
    }
}
