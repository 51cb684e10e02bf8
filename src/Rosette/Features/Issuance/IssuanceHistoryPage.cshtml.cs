using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Data;
using Rosette.Features.Classes;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>A class's issuance history: each batch with who, when and its counts; each opens its result.</summary>
public sealed class IssuanceHistoryPageModel(ListIssuanceHistoryHandler history, RosetteDb db) : PageModel
{
    public ClassContext Class { get; private set; } = null!;

    public Paged<IssuanceSummary> Batches { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid classId, [FromQuery] int? page, CancellationToken cancellationToken)
    {
        // A page number that is not a number is refused as the roster's is, rather than read as the first page.
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        var actor = HttpContext.GetActor();
        var result = await history.HandleAsync(actor, classId, new PageRequest(page, 25, null), cancellationToken);
        if (!result.IsSuccess)
        {
            return this.ErrorPage(result.Error);
        }
        Class = (await db.LoadClassAsync(actor, classId, cancellationToken))!;
        Batches = result.Value;
        Pager = new Pager($"/classes/{classId}/issuance-history", Batches.Page, Batches.PageSize, Batches.Total, null, 25);
        return Page();
    }
}
