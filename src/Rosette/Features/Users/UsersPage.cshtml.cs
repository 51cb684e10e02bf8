using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Organizations;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Users;

/// <summary>The users of the scope, paged, searched and filtered by GET with the API's names.</summary>
public sealed class UsersPageModel(UsersHandler users, OrganizationsHandler organizations) : PageModel
{
    public Paged<UserDto> Users { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public IReadOnlyDictionary<Guid, string> OrganizationNames { get; private set; } = new Dictionary<Guid, string>();

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? OrganizationId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Role { get; set; }

    /// <summary>From the query only (see OnGetAsync): Razor Pages keeps a route value named "page" for itself.</summary>
    public int? PageNumber { get; private set; }

    [BindProperty(SupportsGet = true)]
    public int? PageSize { get; set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        PageNumber = page;
        var actor = HttpContext.GetActor();
        var role = string.IsNullOrEmpty(Role) ? null : Role;
        var list = await users.ListAsync(actor, new UserListRequest(PageNumber, PageSize, Search, OrganizationId, role), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        var tree = await organizations.LoadAsync(actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Users = list.Value;
        Organizations = tree.Value;
        OrganizationNames = await organizations.NamesAsync(actor, Users.Items.Select(u => u.OrganizationId), cancellationToken);
        Pager = new Pager("/admin/users", Users.Page, Users.PageSize, Users.Total, Search, PageRequest.DefaultPageSize,
            [new("organizationId", OrganizationId?.ToString()), new("role", role)]);
        return Page();
    }
}
