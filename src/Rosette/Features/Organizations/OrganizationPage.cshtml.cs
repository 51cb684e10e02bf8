using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Organizations;

/// <summary>Rename an organization, move it under another parent in the scope, and set its preferences.</summary>
public sealed class OrganizationPageModel(OrganizationsHandler handler) : PageModel
{
    [BindProperty]
    public OrganizationInput Input { get; set; } = new();

    public OrganizationDto Organization { get; private set; } = null!;

    /// <summary>Where it may move: the scope's organizations outside its own subtree.</summary>
    public IReadOnlyList<OrganizationNode> Parents { get; private set; } = [];

    public bool CanMove { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(id, cancellationToken);
        if (loaded is not null)
        {
            return loaded;
        }
        Input = new OrganizationInput { Name = Organization.Name, ParentId = Organization.ParentId, EnableAchievements = Organization.EnableAchievements, Language = Organization.Language };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var loaded = await LoadAsync(id, cancellationToken);
        if (loaded is not null)
        {
            return loaded;
        }
        var parentId = CanMove && Input.ParentId != Organization.ParentId ? Input.ParentId : null;
        var updated = await handler.UpdateAsync(HttpContext.GetActor(), id, new UpdateOrganizationRequest(Input.Name, parentId, Input.EnableAchievements, Input.Language ?? ""), cancellationToken);
        if (updated.IsSuccess)
        {
            Message = "Saved.";
            return RedirectToPage(new { id });
        }
        if (updated.Error is ForbiddenError)
        {
            return this.ErrorPage(updated.Error);
        }
        // The organization itself was found a moment ago: a missing one now is the chosen parent.
        ModelState.AddError(updated.Error is NotFoundError notFound ? InvalidError.Field("parentId", notFound.Code, notFound.Message) : updated.Error);
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var organization = await handler.GetAsync(actor, id, cancellationToken);
        if (!organization.IsSuccess)
        {
            return this.ErrorPage(organization.Error);
        }
        Organization = organization.Value;
        var tree = await handler.LoadAsync(actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        var own = OrganizationTree.DescendantsOf(tree.Value, id).Select(n => n.Organization.Id).Append(id).ToHashSet();
        Parents = tree.Value.Where(n => !own.Contains(n.Organization.Id)).ToList();
        // The root of a scope (and a root organization) stays where it is.
        CanMove = Organization.ParentId is not null && (actor.IsSystemAdministrator || id != actor.OrganizationId);
        return null;
    }
}
