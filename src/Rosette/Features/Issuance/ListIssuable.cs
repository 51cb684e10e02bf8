using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

public sealed record IssuableBadge(Guid Id, string Name, string Description, Guid OrganizationId, string? ImageUrl);

public sealed record IssuableStudent(Guid Id, string FirstName, string LastName, string Email, Guid OrganizationId, IReadOnlyList<Guid> HeldBadgeIds);

/// <summary>What the Choose Badges and Choose Student(s) dialogs list.</summary>
public sealed class ListIssuableHandler(RosetteDb db, TimeProvider clock)
{
    /// <summary>Badges of the class's organization that allow manual issuance and are not archived (<see cref="IssuanceRules.IsIssuableIn"/>).</summary>
    public async Task<Result<IReadOnlyList<IssuableBadge>>> BadgesAsync(Actor actor, Guid classId, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var context = loaded.Value;
        return Result.Success(await IssuableBadgesAsync(context, cancellationToken));
    }

    public async Task<IReadOnlyList<IssuableBadge>> IssuableBadgesAsync(ClassContext context, CancellationToken cancellationToken)
    {
        var organizationId = context.Organization.Id;
        var badges = await db.Badges.AsNoTracking()
            .Where(b => b.OrganizationId == organizationId)
            .OrderBy(b => b.Name).ThenBy(b => b.Id).ToListAsync(cancellationToken);
        return badges.Where(b => IssuanceRules.IsIssuableIn(b, organizationId))
            .Select(b => new IssuableBadge(b.Id, b.Name, b.Description, b.OrganizationId, BadgeDto.UrlOf(b))).ToList();
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
