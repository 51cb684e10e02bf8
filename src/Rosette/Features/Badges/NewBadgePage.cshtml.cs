using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Badges;

public sealed class NewBadgePageModel(BadgesHandler badges, OrganizationsHandler organizations) : PageModel
{
    [BindProperty]
    public BadgeInput Input { get; set; } = new();

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(IFormFile? image, CancellationToken cancellationToken)
    {
        var request = new CreateBadgeRequest(Input.Name, Input.Description, Input.Criteria, Input.OrganizationId, Input.AllowManualIssuance, null,
            await BadgePages.ToDataUriAsync(image, cancellationToken), null);
        var created = await badges.CreateAsync(HttpContext.GetActor(), request, cancellationToken);
        if (created.IsSuccess)
        {
            TempData["Message"] = $"Created the badge {created.Value.Name}.";
            return Redirect($"/admin/badges/{created.Value.Id}");
        }
        if (created.Error is ForbiddenError)
        {
            return this.ErrorPage(created.Error);
        }
        ModelState.AddError(created.Error is NotFoundError e ? InvalidError.Field("organizationId", e.Code, e.Message) : created.Error);
        return await ShowAsync(cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        var tree = await organizations.LoadAsync(HttpContext.GetActor(), cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Organizations = tree.Value;
        return Page();
    }
}
