using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;

namespace Rosette.Features.Achievements;

public sealed record Choice(Guid Id, string Name);

/// <summary>What the achievement form offers: the caller's organizations, the badges they may attach, the courses they may name.</summary>
public sealed class AchievementChoicesHandler(RosetteDb db)
{
    public async Task<(List<Choice> Organizations, List<Choice> Badges, List<Choice> Courses)> LoadAsync(Actor actor, CancellationToken cancellationToken)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        var orgs = await organizations.OrderBy(o => o.Path).Select(o => new Choice(o.Id, o.Name)).ToListAsync(cancellationToken);
        var badges = await db.Badges.ChoosableBy(db, actor).Where(b => !b.IsArchived)
            .OrderBy(b => b.Name).Select(b => new Choice(b.Id, b.Name)).ToListAsync(cancellationToken);
        var courses = await db.Courses.NameableBy(db, actor)
            .OrderBy(c => c.Name).Select(c => new Choice(c.Id, c.Name)).ToListAsync(cancellationToken);
        return (orgs, badges, courses);
    }
}
