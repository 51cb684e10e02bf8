using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Infrastructure.Pages;
using Rosette.Data;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Achievements;

/// <summary>One achievement: its settings, its conditions as JSON, and who earned it.</summary>
public sealed class AchievementPageModel(AchievementsHandler handler, ListAchievementEarnersHandler earnersOf, RosetteDb db) : PageModel
{
    public AchievementDto Achievement { get; private set; } = null!;

    public string? BadgeName { get; private set; }

    public string OrganizationName { get; private set; } = "";

    public Paged<AchievementEarner> Earners { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, [FromQuery] int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var found = await handler.GetAsync(actor, id, cancellationToken);
        if (!found.IsSuccess)
        {
            return this.ErrorPage(found.Error);
        }
        var earners = await earnersOf.HandleAsync(actor, id, new PageRequest(page, null, null), cancellationToken);
        if (!earners.IsSuccess)
        {
            return this.ErrorPage(earners.Error);
        }
        Achievement = found.Value;
        Earners = earners.Value;
        BadgeName = Achievement.BadgeId is { } badgeId ? await db.Badges.Where(b => b.Id == badgeId).Select(b => b.Name).SingleOrDefaultAsync(cancellationToken) : null;
        OrganizationName = await db.Organizations.Where(o => o.Id == Achievement.OrganizationId).Select(o => o.Name).SingleAsync(cancellationToken);
        return Page();
    }
}
