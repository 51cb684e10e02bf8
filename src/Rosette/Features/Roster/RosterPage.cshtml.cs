using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Features.Issuance;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Roster;

/// <summary>A class's roster, paged and searched on the server (GET, so every view has its own URL).</summary>
public sealed class RosterPageModel(RosterViewHandler handler) : PageModel
{
    public static readonly int[] PageSizes = [25, 50, 100];

    public RosterView Roster { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public string? Search { get; private set; }

    /// <summary>The per-student Choose Badge dialog: the first page of the badges, searched and paged in place by script.</summary>
    public BadgeChooser BadgeChooser => new(true, [], Roster.BadgeChoices, new HashSet<Guid>(), null, null, BadgeChooser.ItemsUrlOf(Roster.ClassId, oneBadge: true));

    /// <summary>The outcome of an individual issuance, carried over the redirect back to the roster.</summary>
    [TempData]
    public string? RosterMessage { get; set; }

    [TempData]
    public bool RosterMessageIsError { get; set; }

    public async Task<IActionResult> OnGetAsync(
        Guid classId, [FromQuery] int? page, [FromQuery] int? pageSize, [FromQuery] string? search, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        var result = await handler.HandleAsync(HttpContext.GetActor(), classId, new PageRequest(page, pageSize, search), cancellationToken);
        if (!result.IsSuccess)
        {
            return this.ErrorPage(result.Error);
        }
        Roster = result.Value;
        Search = search?.Trim();
        Pager = new Pager($"/classes/{classId}/roster", Roster.Page, Roster.PageSize, Roster.Total, Search, PageRequest.DefaultPageSize);
        return Page();
    }
}
