using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

public sealed record IssuableBadge(Guid Id, string Name, string Description, Guid OrganizationId, string? ImageUrl);

/// <summary>
/// A Choose Badges search: <c>search</c> in the name (any case), <c>after</c> the <c>next</c> of the page before, <c>pageSize</c>
/// up to <see cref="PageRequest.MaxPageSize"/>, and <c>page</c> within the cap, as on the other lists paged by cursor (<see cref="KeysetPaging"/>).
/// </summary>
public sealed record BadgeChoicesRequest(string? Search, string? After, int? PageSize = null, int? Page = null)
{
    public PageRequest Paging => new(Page, PageSize ?? ListIssuableHandler.BadgePageSize, Search);
}

public sealed record IssuableStudent(Guid Id, string FirstName, string LastName, string Email, Guid OrganizationId, IReadOnlyList<Guid> HeldBadgeIds);

/// <summary>What the Choose Badges and Choose Student(s) dialogs list.</summary>
public sealed class ListIssuableHandler(RosetteDb db, TimeProvider clock)
{
    public const int BadgePageSize = 50;

    private const byte BadgeCursorList = 0xB1;

    /// <summary>
    /// A page of the badges the actor may issue in the class (<see cref="IssuanceRules.IssuableIn"/>), whose name contains
    /// the search (any case), in name order, after the cursor <paramref name="request"/>.After (keyset paging, decision 0023).
    /// </summary>
    public async Task<Result<Paged<IssuableBadge>>> BadgesAsync(Actor actor, Guid classId, BadgeChoicesRequest request, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, request.Paging, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        return await BadgesAsync(loaded.Value, request, [], cancellationToken);
    }

    /// <summary>
    /// The same, for a caller that has loaded the class and checked that the actor may teach in it; badges in
    /// <paramref name="exclude"/> (those a chooser already shows as chosen) are left out.
    /// </summary>
    public Task<Result<Paged<IssuableBadge>>> BadgesAsync(
        ClassContext context, BadgeChoicesRequest request, IReadOnlyCollection<Guid> exclude, CancellationToken cancellationToken) =>
        BadgesAsync(context.Organization.Id, request, exclude, cancellationToken);

    /// <summary>The same for the badges of <paramref name="organizationId"/> (a class's, or a course's), for a caller that has checked the actor's right to issue them.</summary>
    public async Task<Result<Paged<IssuableBadge>>> BadgesAsync(
        Guid organizationId, BadgeChoicesRequest request, IReadOnlyCollection<Guid> exclude, CancellationToken cancellationToken)
    {
        var paging = request.Paging;
        if (KeysetPaging.Validate(paging, request.After) is { } invalid)
        {
            return invalid;
        }
        var issuable = db.Badges.AsNoTracking().Where(IssuanceRules.IssuableIn(organizationId));
        var all = issuable;
        if (paging.Term is { } term)
        {
            all = all.Where(b => b.Name.ToLower().Contains(term));
        }
        if (exclude.Count > 0)
        {
            all = all.Where(b => !exclude.Contains(b.Id));
        }
        var page = all;
        if (request.After is not null)
        {
            // The cursor names the last badge of the page before; its name is read among the badges the actor may issue
            // here, so that a cursor of another organization's badge positions nothing and tells nothing.
            var afterName = Cursor.TryDecode(request.After, BadgeCursorList, out Guid afterId)
                ? await issuable.Where(b => b.Id == afterId).Select(b => b.Name).SingleOrDefaultAsync(cancellationToken)
                : null;
            if (afterName is null)
            {
                return Cursor.Invalid;
            }
            page = page.Where(b => b.Name.CompareTo(afterName) > 0 || (b.Name == afterName && b.Id.CompareTo(afterId) > 0));
        }
        return await KeysetPaging.ToPageAsync(paging, all, page.OrderBy(b => b.Name).ThenBy(b => b.Id),
            b => new IssuableBadge(b.Id, b.Name, b.Description, b.OrganizationId, BadgeDto.UrlOf(b)), b => CursorAfter(b.Id), cancellationToken);
    }

    public static string CursorAfter(Guid badgeId) => Cursor.Encode(BadgeCursorList, badgeId);

    /// <summary>Of <paramref name="ids"/>, the badges the actor may issue in the class, in name order; any other id is dropped.</summary>
    public async Task<IReadOnlyList<IssuableBadge>> ChosenBadgesAsync(ClassContext context, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        var badges = await db.Badges.AsNoTracking().Where(IssuanceRules.IssuableIn(context.Organization.Id)).Where(b => ids.Contains(b.Id))
            .OrderBy(b => b.Name).ThenBy(b => b.Id).ToListAsync(cancellationToken);
        return badges.Select(b => new IssuableBadge(b.Id, b.Name, b.Description, b.OrganizationId, BadgeDto.UrlOf(b))).ToList();
    }

    /// <summary>The students the actor may choose in the class, a page at a time, with the badges of the class's organization each holds.</summary>
    public async Task<Result<Paged<IssuableStudent>>> StudentsAsync(Actor actor, Guid classId, PageRequest paging, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, paging, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var context = loaded.Value;
        return await StudentsAsync(context, paging, cancellationToken);
    }

    /// <summary>The same, for a caller that has loaded the class and checked that the actor may teach in it.</summary>
    public async Task<Paged<IssuableStudent>> StudentsAsync(ClassContext context, PageRequest paging, CancellationToken cancellationToken)
    {
        var page = await paging.ToPageAsync(db.RosterQuery(context, paging.Term), s => s, cancellationToken);
        var held = await db.HeldBadgesAsync(page.Items.Select(s => s.Id).ToList(), clock.UtcNowSeconds(), cancellationToken);
        var organizationId = context.Organization.Id;
        var badgesOfClass = await db.Badges.AsNoTracking().Where(b => b.OrganizationId == organizationId).Select(b => b.Id).ToListAsync(cancellationToken);
        var items = page.Items.Select(s => new IssuableStudent(s.Id, s.FirstName, s.LastName, s.Email, s.OrganizationId,
            held[s.Id].Select(h => h.BadgeId).Where(badgesOfClass.Contains).ToList())).ToList();
        return new Paged<IssuableStudent>(items, page.Page, page.PageSize, page.Total);
    }
}
