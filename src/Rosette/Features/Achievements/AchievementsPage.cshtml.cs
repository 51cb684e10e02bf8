using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Pages;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Achievements;

/// <summary>The achievements of the administrator's organizations, with enable and disable.</summary>
public sealed class AchievementsPageModel(AchievementsHandler handler) : PageModel
{
    public Paged<AchievementDto> Achievements { get; private set; } = null!;

    public string? Search { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, [FromQuery] string? search, CancellationToken cancellationToken)
    {
        var list = await handler.ListAsync(HttpContext.GetActor(), new AchievementListRequest(page, null, search, null, null), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Achievements = list.Value;
        Search = search;
        return Page();
    }

    public Task<IActionResult> OnPostEnableAsync(Guid id, CancellationToken cancellationToken) => SetAsync(id, true, cancellationToken);

    public Task<IActionResult> OnPostDisableAsync(Guid id, CancellationToken cancellationToken) => SetAsync(id, false, cancellationToken);

    private async Task<IActionResult> SetAsync(Guid id, bool enabled, CancellationToken cancellationToken)
    {
        var result = await handler.SetEnabledAsync(HttpContext.GetActor(), id, enabled, cancellationToken);
        return result.IsSuccess ? Redirect(Request.Query["returnTo"] == "details" ? $"/achievements/{id}" : "/achievements") : this.ErrorPage(result.Error);
    }
}
