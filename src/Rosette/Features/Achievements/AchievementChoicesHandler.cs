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
    /// Given the achievement edited (<paramref name="stored"/>), only the badges its organization may award and the courses it
    /// may name among the caller's, as saving checks (<see cref="AchievementRules.WhyNotAttach"/>,
    /// <see cref="AchievementRules.WhyNotName"/>), and also what the achievement already has, whatever happened to it since
    /// (its badge archived or no longer available, a course no longer open to it), when the caller may choose it: the form
    /// shows what is stored, so that saving it unchanged changes nothing (saving checks only a changed badge, and refuses a
    /// course no longer available beside its row). Without it (the create form, where the organization is chosen in the same
    /// form), every badge the caller may choose and every course the caller may name, and saving refuses one the chosen
    /// organization may not (badge_not_available, course_not_available).
    /// </summary>
    public async Task<(List<Choice> Organizations, List<Choice> Badges, List<Choice> Courses)> LoadAsync(
        Actor actor, AchievementDto? stored, CancellationToken cancellationToken)
    {
        var storedBadgeId = stored?.BadgeId;
        var organizations = db.Organizations.AdministeredBy(actor);
        var orgs = await organizations.OrderBy(o => o.Path).Select(o => new { o.Id, o.Name, o.Path }).ToListAsync(cancellationToken);
        var badges = await db.Badges.ChoosableBy(db, actor).Where(b => !b.IsArchived || b.Id == storedBadgeId).OrderBy(b => b.Name)
            .Select(b => new { b.Id, b.Name, b.OrganizationId, AvailableTo = b.Availability.Select(a => a.OrganizationId).ToList() })
            .ToListAsync(cancellationToken);
        var courses = await (from c in db.Courses.NameableBy(db, actor)
                             join o in db.Organizations on c.OrganizationId equals o.Id
                             orderby c.Name
                             select new NamedCourse(c.Id, c.Name, o.Path, c.EnableAchievementsForOutsideOrganizations)).ToListAsync(cancellationToken);
        if (stored is { OrganizationId: var organizationId })
        {
            var storedCourses = ConditionJson.Parse(stored.Conditions) is { IsSuccess: true } conditions
                ? ConditionJson.CoursePaths(conditions.Value).Select(c => c.CourseId).ToHashSet() : [];
            // An organization outside the caller's scope (none is edited from here) may name nothing offered.
            var path = orgs.SingleOrDefault(o => o.Id == organizationId)?.Path;
            courses = courses.Where(c => storedCourses.Contains(c.Id)
                || (path is not null && AchievementRules.MayNameCourse(c.OrganizationPath, c.OpenToOutsiders, path))).ToList();
            badges = badges.Where(b => b.Id == storedBadgeId || AchievementRules.MayAttach(b.OrganizationId, b.AvailableTo, organizationId)).ToList();
        }
        return (orgs.Select(o => new Choice(o.Id, o.Name)).ToList(), badges.Select(b => new Choice(b.Id, b.Name)).ToList(),
            courses.Select(c => new Choice(c.Id, c.Name)).ToList());
    }
}
