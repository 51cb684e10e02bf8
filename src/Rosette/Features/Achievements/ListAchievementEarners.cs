using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Achievements;

public sealed record AchievementEarner(Guid UserId, string FirstName, string LastName, string Email, Guid OrganizationId, int Times, DateTime FirstEarnedAt, DateTime LastEarnedAt);

/// <summary>The earners of an achievement in the actor's scope (<see cref="AchievementsApi"/>, the achievement page).</summary>
public sealed class ListAchievementEarnersHandler(RosetteDb db)
{
    /// <summary>
    /// Who earned the achievement: one row per user, with how many times and when. Only users the actor administers: an
    /// achievement open to outside organizations is also earned by students of organizations the actor does not see.
    /// </summary>
    public async Task<Result<Paged<AchievementEarner>>> HandleAsync(Actor actor, Guid id, PageRequest paging, CancellationToken cancellationToken)
    {
        if (!await db.Achievements.AdministeredBy(db, actor).AnyAsync(a => a.Id == id, cancellationToken))
        {
            return CommonErrors.NotFound("achievement", id);
        }
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var groups = db.AchievementAwards.Where(a => a.AchievementId == id).GroupBy(a => a.UserId)
            .Select(g => new { UserId = g.Key, Times = g.Count(), First = g.Min(a => a.EarnedAt), Last = g.Max(a => a.EarnedAt) });
        var earners =
            from g in groups
            join u in db.Users.AdministeredBy(db, actor) on g.UserId equals u.Id
            select new EarnerRow
            {
                UserId = u.Id,
                FirstName = u.FirstName,
                LastName = u.LastName,
                Email = u.Email,
                OrganizationId = u.OrganizationId,
                SearchText = u.SearchText,
                Times = g.Times,
                First = g.First,
                Last = g.Last,
            };
        if (paging.Term is { } term)
        {
            earners = earners.Where(e => e.SearchText.Contains(term));
        }
        return await paging.ToPageAsync(earners.OrderBy(e => e.First).ThenBy(e => e.UserId),
            e => new AchievementEarner(e.UserId, e.FirstName, e.LastName, e.Email, e.OrganizationId, e.Times, e.First, e.Last), cancellationToken);
    }

    private sealed class EarnerRow
    {
        public Guid UserId { get; init; }

        public string FirstName { get; init; } = "";

        public string LastName { get; init; } = "";

        public string Email { get; init; } = "";

        public Guid OrganizationId { get; init; }

        public string SearchText { get; init; } = "";

        public int Times { get; init; }

        public DateTime First { get; init; }

        public DateTime Last { get; init; }
    }
}
