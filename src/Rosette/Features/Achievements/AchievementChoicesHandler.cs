using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;

namespace Rosette.Features.Achievements;

public sealed record Choice(Guid Id, string Name);

/// <summary>What the achievement form offers: the caller's organizations, the badges they may attach, the courses they may name.</summary>
public sealed class AchievementChoicesHandler(RosetteDb db)
{
    /// <summary>
    /// Given the organization of the achievement edited, only the courses it may name among the caller's, as saving checks
    /// (<see cref="AchievementRules.WhyNotName"/>); without it (the create form, where the organization is chosen in the same
    /// form), every course the caller may name, and saving refuses one the chosen organization may not (course_not_available).
    /// </summary>
    public async Task<(List<Choice> Organizations, List<Choice> Badges, List<Choice> Courses)> LoadAsync(
        Actor actor, Guid? achievementOrganizationId, CancellationToken cancellationToken)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        var orgs = await organizations.OrderBy(o => o.Path).Select(o => new { o.Id, o.Name, o.Path }).ToListAsync(cancellationToken);
        var badges = await db.Badges.ChoosableBy(db, actor).Where(b => !b.IsArchived)
            .OrderBy(b => b.Name).Select(b => new Choice(b.Id, b.Name)).ToListAsync(cancellationToken);
        var courses = await (from c in db.Courses.NameableBy(db, actor)
                             join o in db.Organizations on c.OrganizationId equals o.Id
                             orderby c.Name
                             select new NamedCourse(c.Id, c.Name, o.Path, c.EnableAchievementsForOutsideOrganizations)).ToListAsync(cancellationToken);
        if (achievementOrganizationId is { } organizationId)
        {
            // An organization outside the caller's scope (none is edited from here) may name nothing offered.
            var path = orgs.SingleOrDefault(o => o.Id == organizationId)?.Path;
            courses = courses.Where(c => path is not null && AchievementRules.MayNameCourse(c.OrganizationPath, c.OpenToOutsiders, path)).ToList();
        }
        return (orgs.Select(o => new Choice(o.Id, o.Name)).ToList(), badges, courses.Select(c => new Choice(c.Id, c.Name)).ToList());
    }
}
