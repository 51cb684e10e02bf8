using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Organizations;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Classes;

/// <summary>The classes of the administrator's scope (the API's list), each linked to its administration page.</summary>
public sealed class ClassesPageModel(ClassesHandler classes, OrganizationsHandler organizations) : PageModel
{
    public Paged<ClassDto> Classes { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyDictionary<Guid, string> OrganizationNames { get; private set; } = new Dictionary<Guid, string>();

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        var actor = HttpContext.GetActor();
        var list = await classes.ListAsync(actor, new PageRequest(page, pageSize, Search), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Classes = list.Value;
        OrganizationNames = await organizations.NamesAsync(actor, Classes.Items.Select(c => c.OrganizationId), cancellationToken);
        Pager = new Pager("/admin/classes", Classes.Page, Classes.PageSize, Classes.Total, Search, PageRequest.DefaultPageSize);
        return Page();
    }
}
