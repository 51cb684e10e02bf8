using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Organizations;

/// <summary>The tree of the administrator's scope, and a form to add an organization to it.</summary>
public sealed class OrganizationsPageModel(OrganizationsHandler handler) : PageModel
{
    [BindProperty]
    public OrganizationInput Input { get; set; } = new();

    public IReadOnlyList<OrganizationNode> Tree { get; private set; } = [];

    public Actor Actor { get; private set; } = null!;

    [TempData]
    public string? Message { get; set; }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = await handler.CreateAsync(HttpContext.GetActor(), new CreateOrganizationRequest(Input.Name, Input.ParentId, Input.EnableAchievements, Input.Language), cancellationToken);
        if (created.IsSuccess)
        {
            Message = $"Created the organization {created.Value.Name}.";
            return RedirectToPage();
        }
        ModelState.AddError(created.Error is NotFoundError notFound
            ? InvalidError.Field("parentId", notFound.Code, notFound.Message)
            : created.Error);
        return await ShowAsync(cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        Actor = HttpContext.GetActor();
        var tree = await handler.LoadAsync(Actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Tree = tree.Value;
        Input.ParentId ??= Actor.IsSystemAdministrator ? null : Actor.OrganizationId;
        return Page();
    }
}
