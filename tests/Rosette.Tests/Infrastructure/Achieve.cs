using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Achievements;
using Rosette.Domain.Issuance;

namespace Rosette.Tests.Infrastructure;

/// <summary>Helpers for achievement tests: switching achievements on for a world, sending events, waiting for the worker.</summary>
public static class Achieve
{
    public const string Url = "/api/v1/achievements";
    public const string EventsUrl = "/api/v1/activity-events";

    /// <summary>Root, A, A1 and B take part in achievements; Contoso does not.</summary>
    public static Task EnableAsync(RosetteFactory factory, World world) => factory.WithDbAsync(async db =>
    {
        var ids = new[] { world.Root.Id, world.A.Id, world.A1.Id, world.B.Id };
        foreach (var organization in await db.Organizations.Where(o => ids.Contains(o.Id)).ToListAsync())
        {
            organization.SetEnableAchievements(true);
        }
        await db.SaveChangesAsync();
    });

    public static object Event(string id, Guid userId, string type, string subjectId, DateTime? occurredAt = null, double? score = null) =>
        new { id, userId, type, subjectId, occurredAt = (occurredAt ?? DateTime.UtcNow.AddMinutes(-1)).ToString("O"), score };

    public static object LabCompleted(string lab) => new { type = "lab_completed", labId = lab };

    public static object Achievement(Guid organizationId, object conditions, Guid? badgeId = null, int points = 0, int frequency = 1,
        string frequencyType = "per_user", bool enabled = true, string? name = null) => new
        {
            organizationId,
            name = name ?? $"Achievement {Guid.NewGuid():N}",
            description = "For tests.",
            points,
            frequency,
            frequencyType,
            enabled,
            badgeId,
            conditions,
        };

    /// <summary>Waits until every stored event is processed and no retroactive evaluation is pending (the workers run in the background).</summary>
    public static async Task SettledAsync(RosetteFactory factory) => await UntilAsync(factory, async db =>
        !await db.ActivityEvents.AnyAsync(e => e.ProcessedAt == null)
        && !await db.OutboxMessages.AnyAsync(m => m.ProcessedAt == null && m.Topic == "achievements.evaluate"));

    public static async Task UntilAsync(RosetteFactory factory, Func<RosetteDb, Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience.Bound;
        while (!await factory.WithDbAsync(condition))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The achievement workers did not finish in time.");
            }
            await Task.Delay(50);
        }
    }

    public static Task<List<AchievementAward>> EarningsAsync(RosetteFactory factory, Guid achievementId) =>
        factory.WithDbAsync(db => db.AchievementAwards.Where(a => a.AchievementId == achievementId).ToListAsync());

    public static Task<List<Award>> BadgeAwardsAsync(RosetteFactory factory, Guid badgeId) =>
        factory.WithDbAsync(db => db.Awards.Where(a => a.BadgeId == badgeId && a.RevokedAt == null).ToListAsync());
}
