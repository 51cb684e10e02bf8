using Rosette.Domain.Badges;

namespace Rosette.Domain.Achievements;

/// <summary>How often an achievement may be earned: see <see cref="AchievementRules.MayEarn"/>.</summary>
public enum FrequencyType
{
    /// <summary>One user earns it at most Frequency times.</summary>
    PerUser,

    /// <summary>At most Frequency earnings per UTC day in all; one user at most once a day.</summary>
    PerDay,

    /// <summary>At most Frequency earnings in all; one user at most once.</summary>
    PerAchievement,
}

/// <summary>
/// Something a student earns by meeting its conditions: points (a relative value), and optionally a badge that is
/// issued automatically. Only enabled achievements are evaluated.
/// </summary>
public sealed class Achievement
{
    public const int DescriptionMaxLength = 2000;
    public const int MaxPoints = 1_000_000;
    public const int MaxFrequency = 1_000_000;

    private Achievement()
    {
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public string Name { get; private set; } = "";

    public string Description { get; private set; } = "";

    public int Points { get; private set; }

    public int Frequency { get; private set; } = 1;

    public FrequencyType FrequencyType { get; private set; }

    public bool IsEnabled { get; private set; }

    public Guid? BadgeId { get; private set; }

    public Condition Conditions { get; private set; } = null!;

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>Creates an achievement; problems are added to <paramref name="errors"/> (which may already hold the conditions' own).</summary>
    public static Result<Achievement> Create(Guid organizationId, AchievementChanges changes, Condition? conditions, Badge? badge, DateTime now, ValidationErrors errors)
    {
        var achievement = new Achievement { Id = Guid.CreateVersion7(), OrganizationId = organizationId, CreatedAt = now };
        if (conditions is null && !errors.Any)
        {
            errors.Add(InvalidError.Field("conditions", AchievementErrors.InvalidConditions, "'conditions' is required."));
        }
        var result = achievement.Update(changes with { Name = changes.Name ?? "", Description = changes.Description ?? "" }, conditions, badge, now, errors);
        return result.IsSuccess ? achievement : result.Error;
    }

    /// <summary>
    /// Applies the changes (a null member is left as it is). Returns whether the edit calls for a retroactive evaluation:
    /// the achievement is enabled and was just created or enabled, got new conditions, or got a (new) badge.
    /// </summary>
    public Result<bool> Update(AchievementChanges changes, Condition? conditions, Badge? badge, DateTime now, ValidationErrors errors)
    {
        var name = changes.Name is null ? Name : errors.Check(Text.Required("name", changes.Name));
        var description = changes.Description is null ? Description : errors.Check(Text.Optional("description", changes.Description, DescriptionMaxLength)) ?? "";
        if (changes.Points is < 0 or > MaxPoints)
        {
            errors.Add(InvalidError.Field("points", InvalidError.ValidationFailed, $"'points' must be between 0 and {MaxPoints}."));
        }
        if (changes.Frequency is < 1 or > MaxFrequency)
        {
            errors.Add(InvalidError.Field("frequency", InvalidError.ValidationFailed, $"'frequency' must be between 1 and {MaxFrequency}."));
        }
        var newBadgeId = changes.RemoveBadge ? null : changes.BadgeId ?? BadgeId;
        if (changes.BadgeId is { } badgeId && !changes.RemoveBadge && badgeId != BadgeId
            && AchievementRules.WhyNotAttach(badge, badgeId, OrganizationId) is { } badgeError)
        {
            errors.Add(badgeError);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var conditionsChanged = conditions is not null && (Conditions is null || ConditionJson.Serialize(conditions) != ConditionJson.Serialize(Conditions));
        var retroactive = (changes.Enabled ?? IsEnabled) && (!IsEnabled || conditionsChanged || (newBadgeId is not null && newBadgeId != BadgeId));
        Name = name!;
        Description = description!;
        Points = changes.Points ?? Points;
        Frequency = changes.Frequency ?? Frequency;
        FrequencyType = changes.FrequencyType ?? FrequencyType;
        IsEnabled = changes.Enabled ?? IsEnabled;
        BadgeId = newBadgeId;
        Conditions = (conditions ?? Conditions)!;
        UpdatedAt = now;
        return retroactive;
    }

    /// <summary>Enables or disables; true when it was just enabled (a retroactive evaluation follows).</summary>
    public bool SetEnabled(bool enabled, DateTime now)
    {
        var enabling = enabled && !IsEnabled;
        IsEnabled = enabled;
        UpdatedAt = now;
        return enabling;
    }
}

/// <summary>What an achievement edit changes; a null member is left as it is.</summary>
public sealed record AchievementChanges(
    string? Name,
    string? Description,
    int? Points,
    int? Frequency,
    FrequencyType? FrequencyType,
    bool? Enabled,
    Guid? BadgeId,
    bool RemoveBadge);

/// <summary>An earning of an achievement by a user: the n-th time (<see cref="Ordinal"/>) they earned it.</summary>
public sealed class AchievementAward
{
    private AchievementAward()
    {
    }

    public Guid Id { get; private set; }

    public Guid AchievementId { get; private set; }

    public Guid UserId { get; private set; }

    /// <summary>1 for the first earning, 2 for the second...; unique per achievement and user, so no earning is ever recorded twice.</summary>
    public int Ordinal { get; private set; }

    /// <summary>When the user met the requirements: the time of the event that completed them.</summary>
    public DateTime EarnedAt { get; private set; }

    /// <summary>The achievement's points when it was earned.</summary>
    public int Points { get; private set; }

    /// <summary>The event that triggered it; null for a retroactive earning.</summary>
    public long? EventSeq { get; private set; }

    /// <summary>The badge award issued for it, when it issued one.</summary>
    public Guid? BadgeAwardId { get; set; }

    public DateTime RecordedAt { get; private set; }

    public static AchievementAward Create(Earning earning, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        AchievementId = earning.AchievementId,
        UserId = earning.UserId,
        Ordinal = earning.Ordinal,
        EarnedAt = earning.EarnedAt,
        Points = earning.Points,
        EventSeq = earning.EventSeq,
        RecordedAt = now,
    };
}

/// <summary>A fact of a user's activity: they did <see cref="Type"/> on <see cref="SubjectId"/>, first at <see cref="FirstAt"/>.</summary>
public sealed class ActivityFact
{
    private ActivityFact()
    {
    }

    public Guid UserId { get; private set; }

    public ActivityType Type { get; private set; }

    public string SubjectId { get; private set; } = "";

    public DateTime FirstAt { get; private set; }

    public static ActivityFact Create(Guid userId, ActivityType type, string subjectId, DateTime firstAt) =>
        new() { UserId = userId, Type = type, SubjectId = subjectId, FirstAt = firstAt };

    /// <summary>
    /// "Keep the earliest fact": a fact known at <paramref name="known"/> takes the time <paramref name="at"/> only when it
    /// is earlier, since events may arrive late and in any order. Its SQL twin is <c>ActivityStore.KeepEarliestFact</c>.
    /// </summary>
    public static bool Supersedes(DateTime at, DateTime known) => at < known;

    /// <summary>The same fact happened (again) at <paramref name="at"/>.</summary>
    public void Observe(DateTime at)
    {
        if (Supersedes(at, FirstAt))
        {
            FirstAt = at;
        }
    }
}
