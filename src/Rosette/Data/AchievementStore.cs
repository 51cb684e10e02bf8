using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Achievements;
using Rosette.Domain.Users;

namespace Rosette.Data;

/// <summary>What the achievement worker reads of achievements, their earnings and their badges.</summary>
public sealed class AchievementStore(RosetteDb db)
{
    /// <summary>The enabled achievements with their organization's path and whether outsiders may earn them.</summary>
    public async Task<AchievementCatalog> LoadCatalogAsync(CancellationToken cancellationToken)
    {
        var rows = await (
            from a in db.Achievements.AsNoTracking()
            where a.IsEnabled
            join o in db.Organizations on a.OrganizationId equals o.Id
            select new { Achievement = a, o.Path }).ToListAsync(cancellationToken);
        var courseIds = rows.SelectMany(r => r.Achievement.Conditions.Courses()).Distinct().ToList();
        var open = courseIds.Count == 0
            ? []
            : (await db.Courses.Where(c => courseIds.Contains(c.Id) && c.EnableAchievementsForOutsideOrganizations).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
        return new AchievementCatalog(rows.Select(r => new CatalogEntry(r.Achievement, r.Path, AchievementRules.IsOpenToOutsiders(r.Achievement.Conditions, open.Contains))));
    }

    /// <summary>What per_day and per_achievement limits count: all earnings, and per day those between the given times (all when null).</summary>
    public async Task<EarningCounters> LoadCountersAsync(List<Achievement> limited, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var counters = new EarningCounters();
        var perAchievement = limited.Where(a => a.FrequencyType == FrequencyType.PerAchievement).Select(a => a.Id).ToList();
        if (perAchievement.Count > 0)
        {
            var totals = await db.AchievementAwards.Where(a => perAchievement.Contains(a.AchievementId))
                .GroupBy(a => a.AchievementId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
            foreach (var total in totals)
            {
                counters.LoadTotal(total.Key, total.Count);
            }
        }
        var perDay = limited.Where(a => a.FrequencyType == FrequencyType.PerDay).Select(a => a.Id).ToList();
        if (perDay.Count > 0)
        {
            var query = db.AchievementAwards.Where(a => perDay.Contains(a.AchievementId));
            if (from is { } start && to is { } end)
            {
                var first = start.Date;
                var last = end.Date.AddDays(1);
                query = query.Where(a => a.EarnedAt >= first && a.EarnedAt < last);
            }
            foreach (var earning in await query.Select(a => new { a.AchievementId, a.EarnedAt }).ToListAsync(cancellationToken))
            {
                counters.LoadDay(earning.AchievementId, earning.EarnedAt);
            }
        }
        return counters;
    }

    /// <summary>
    /// SQLite: the rowid of the latest earning recorded, or null when there is none. Earnings are never deleted (an
    /// achievement that has any cannot be), so each new one takes a larger rowid: an unchanged value means none was
    /// recorded in between.
    /// </summary>
    public Task<long?> LastEarningAsync(CancellationToken cancellationToken)
    {
        var sql = $"SELECT max(rowid) AS \"Value\" FROM {db.Mapped<AchievementAward>().Name}";
        return db.Database.SqlQueryRaw<long?>(sql).SingleAsync(cancellationToken);
    }

    /// <summary>The users who may meet the achievement's conditions: those with a fact it reads, or with points when it reads points.</summary>
    public async Task<HashSet<Guid>> CandidatesAsync(Achievement achievement, CancellationToken cancellationToken)
    {
        var candidates = new HashSet<Guid>();
        foreach (var group in achievement.Conditions.Facts().Distinct().GroupBy(f => f.Type))
        {
            var type = group.Key;
            var subjects = group.Select(f => f.Subject).ToList();
            candidates.UnionWith(await db.ActivityFacts.Where(f => f.Type == type && subjects.Contains(f.SubjectId)).Select(f => f.UserId).Distinct().ToListAsync(cancellationToken));
        }
        if (achievement.Conditions.UsesPoints)
        {
            candidates.UnionWith(await db.AchievementAwards.Where(a => a.Points > 0).Select(a => a.UserId).Distinct().ToListAsync(cancellationToken));
        }
        return candidates;
    }

    public Task<List<Guid>> EarnersAsync(Guid achievementId, CancellationToken cancellationToken) =>
        db.AchievementAwards.Where(a => a.AchievementId == achievementId).Select(a => a.UserId).Distinct().ToListAsync(cancellationToken);

    /// <summary>The badge of the enabled achievement, unless it has none or it is archived.</summary>
    public async Task<Guid?> IssuableBadgeAsync(Guid achievementId, CancellationToken cancellationToken)
    {
        var badgeId = await db.Achievements.Where(a => a.Id == achievementId && a.IsEnabled).Select(a => a.BadgeId).SingleOrDefaultAsync(cancellationToken);
        return badgeId is { } badge && !await db.Badges.AnyAsync(b => b.Id == badge && b.IsArchived, cancellationToken) ? badge : null;
    }

    public async Task<HashSet<Guid>> ArchivedBadgesAsync(IEnumerable<Guid> badgeIds, CancellationToken cancellationToken)
    {
        var ids = badgeIds.Distinct().ToList();
        return ids.Count == 0 ? [] : (await db.Badges.Where(b => ids.Contains(b.Id) && b.IsArchived).Select(b => b.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>Those of the users who are active students (<see cref="ActiveStudents"/>).</summary>
    public Task<List<Guid>> ActiveStudentsAsync(IReadOnlyCollection<Guid> userIds, CancellationToken cancellationToken) =>
        db.Users.Where(u => userIds.Contains(u.Id)).Where(ActiveStudents.Filter).Select(u => u.Id).ToListAsync(cancellationToken);
}
