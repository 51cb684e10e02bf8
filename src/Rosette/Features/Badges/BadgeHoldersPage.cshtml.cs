using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Badges;

/// <summary>Who holds the badge, paged and searched, and the whole list as a CSV download.</summary>
public sealed class BadgeHoldersPageModel(BadgesHandler badges, BadgeHoldersHandler holders) : PageModel
{
    public BadgeDto Badge { get; private set; } = null!;

    public Paged<BadgeHolder> Holders { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, [FromQuery] int? page, [FromQuery] int? pageSize, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        var actor = HttpContext.GetActor();
        var badge = await badges.GetAsync(actor, id, cancellationToken);
        if (!badge.IsSuccess)
        {
            return this.ErrorPage(badge.Error);
        }
        var list = await holders.ListAsync(actor, id, new PageRequest(page, pageSize, Search), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Badge = badge.Value;
        Holders = list.Value;
        Pager = new Pager($"/admin/badges/{id}/holders", Holders.Page, Holders.PageSize, Holders.Total, Search, PageRequest.DefaultPageSize);
        return Page();
    }

    public async Task<IActionResult> OnGetExportAsync(Guid id, CancellationToken cancellationToken)
    {
        var rows = await holders.ExportAsync(HttpContext.GetActor(), id, cancellationToken);
        if (!rows.IsSuccess)
        {
            return this.ErrorPage(rows.Error);
        }
        await CsvExport.WriteResponseAsync(Response, $"badge-{id}-holders.csv", BadgeHoldersHandler.CsvHeader, rows.Value, BadgeHoldersHandler.CsvFields, cancellationToken);
        return new EmptyResult();
    }
}
