using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Infrastructure.Pages;
using Rosette.Infrastructure.Auth;

namespace Rosette.Features.Achievements;

/// <summary>A student's progress toward each achievement they can earn; administrators may look at a student in their scope (?userId=).</summary>
public sealed class AchievementProgressPageModel(AchievementProgressHandler handler) : PageModel
{
    public UserProgressDto Progress { get; private set; } = null!;

    public bool Own { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] Guid? userId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var result = await handler.HandleAsync(actor, userId ?? actor.UserId, cancellationToken);
        if (!result.IsSuccess)
        {
            return this.ErrorPage(result.Error);
        }
        Progress = result.Value;
        Own = Progress.UserId == actor.UserId;
        return Page();
    }
}
