using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Roster;

public sealed record RosterRow(RosterStudent Student, IReadOnlyList<HeldBadge> Badges);

public sealed record RosterView(
    Guid ClassId, string ClassName, IReadOnlyList<RosterRow> Students, int Page, int PageSize, int Total, Paged<IssuableBadge>? BadgeChoices);

/// <summary>
/// What the roster page (RosterPage.cshtml) shows: one page of the API's roster (<see cref="EnrollmentsHandler.RosterAsync"/>, which decides who may
/// see which students), with the badges each student on the page holds, fetched in one query for the whole page.
/// </summary>
public sealed class RosterViewHandler(EnrollmentsHandler enrollments, ListIssuableHandler issuable, RosetteDb db, TimeProvider clock)
{
    public async Task<Result<RosterView>> HandleAsync(Actor actor, Guid classId, PageRequest paging, CancellationToken cancellationToken)
    {
        var roster = await enrollments.RosterAsync(actor, classId, paging, cancellationToken);
        if (!roster.IsSuccess)
        {
            return roster.Error;
        }
        var page = roster.Value;
        var className = await db.Classes.AsNoTracking().Where(c => c.Id == classId).Select(c => c.Name).SingleAsync(cancellationToken);
        var held = await db.HeldBadgesAsync(page.Students.Select(s => s.Id).ToList(), clock.UtcNowSeconds(), cancellationToken);
        var rows = page.Students.Select(s => new RosterRow(s, held[s.Id].ToList())).ToList();
        // Whoever sees the roster may issue in the class: the per-student Choose Badge dialog starts with this page.
        var badges = await issuable.BadgesAsync(actor, classId, new BadgeChoicesRequest(null, null), cancellationToken);
        return new RosterView(classId, className, rows, page.Page, page.PageSize, page.Total, badges.IsSuccess ? badges.Value : null);
    }
}
