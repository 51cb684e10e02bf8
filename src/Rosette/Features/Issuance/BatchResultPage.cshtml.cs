using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Data;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>One stored issuance result, as the Issue Badges page showed it.</summary>
public sealed class BatchResultPageModel(GetBatchResultHandler getResult, RosetteDb db) : PageModel
{
    public BatchResultView Result { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid batchId, CancellationToken cancellationToken)
    {
        var result = await getResult.HandleAsync(HttpContext.GetActor(), batchId, cancellationToken);
        if (!result.IsSuccess)
        {
            return this.ErrorPage(result.Error);
        }
        var classId = await db.IssuanceBatches.FindAsync([batchId], cancellationToken) is { } batch ? batch.ClassId : null;
        Result = await BatchResultView.LoadAsync(db, HttpContext.GetActor(), result.Value, classId, BatchResultView.PageLimit, cancellationToken);
        return Page();
    }
}
