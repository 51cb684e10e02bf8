using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Organizations;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Badges;

public sealed class BadgesPageModel(BadgesHandler badges, OrganizationsHandler organizations) : PageModel
{
    public Paged<BadgeDto> Badges { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyDictionary<Guid, string> OrganizationNames { get; private set; } = new Dictionary<Guid, string>();

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    /// <summary>"active" (the default), "archived" or "all".</summary>
    [BindProperty(SupportsGet = true)]
    public string? Show { get; set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid || Show is not (null or "" or "active" or "archived" or "all"))
        {
            return BadRequest();
        }
        var actor = HttpContext.GetActor();
        bool? archived = Show switch { "archived" => true, "all" => null, _ => false };
        var list = await badges.ListAsync(actor, new BadgeListRequest(page, pageSize, Search, null, archived), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Badges = list.Value;
        OrganizationNames = await organizations.NamesAsync(actor, Badges.Items.Select(b => b.OrganizationId), cancellationToken);
        Pager = new Pager("/admin/badges", Badges.Page, Badges.PageSize, Badges.Total, Search, PageRequest.DefaultPageSize, [new("show", Show)]);
        return Page();
    }
}
