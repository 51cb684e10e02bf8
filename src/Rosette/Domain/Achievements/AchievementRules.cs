using Rosette.Domain.Badges;

namespace Rosette.Domain.Achievements;

/// <summary>What the rules need to know of a user who might earn achievements.</summary>
public sealed record Earner(Guid UserId, bool IsActiveStudent, bool Participates, bool OrganizationEnablesAchievements, string OrganizationPath);

/// <summary>What the rules need to know of a course an achievement's conditions name.</summary>
public sealed record NamedCourse(Guid Id, string Name, string OrganizationPath, bool OpenToOutsiders);

/// <summary>An enabled achievement with what its eligibility rule needs: its organization's path, and whether outsiders may earn it.</summary>
public sealed record CatalogEntry(Achievement Achievement, string OrganizationPath, bool OpenToOutsiders);

/// <summary>
/// The only place that decides who may earn an achievement, which badge it may carry, and how often it may be earned.
/// </summary>
public static class AchievementRules
{
    /// <summary>
    /// A user earns achievements only when they are an active student, their organization enables achievements, they
    /// participate, and the achievement belongs to their organization or one of its ancestors, or every course its
    /// conditions involve lets outside organizations earn achievements through it.
    /// </summary>
    public static Error? WhyNotEligible(Earner earner, CatalogEntry entry) =>
        WhyNotEarner(earner)
        ?? (!earner.OrganizationPath.StartsWith(entry.OrganizationPath, StringComparison.Ordinal) && !entry.OpenToOutsiders ? AchievementErrors.OutsideOrganization : null);

    /// <summary>The part of <see cref="WhyNotEligible"/> that is about the user alone.</summary>
    public static Error? WhyNotEarner(Earner earner) =>
        !earner.IsActiveStudent ? AchievementErrors.NotAStudent
        : !earner.OrganizationEnablesAchievements ? AchievementErrors.OrganizationDisabled
        : !earner.Participates ? AchievementErrors.NotParticipating
        : null;

    /// <summary>Outsiders may earn an achievement whose conditions involve at least one course, each of which enables it.</summary>
    public static bool IsOpenToOutsiders(Condition conditions, Func<Guid, bool> courseEnablesOutsiders)
    {
        var courses = conditions.Courses().Distinct().ToList();
        return courses.Count > 0 && courses.All(courseEnablesOutsiders);
    }

    /// <summary>
    /// Whether a course may be named (in conditions, events, progress) from the subtree at <paramref name="scopePath"/> (every
    /// organization when null): a course of that subtree, or one open to outside organizations. Any other course is answered
    /// exactly like one that does not exist. SQL twin: <c>ScopeQueries.NameableBy</c>.
    /// </summary>
    public static bool MayNameCourse(string courseOrganizationPath, bool openToOutsiders, string? scopePath) =>
        openToOutsiders || scopePath is null || courseOrganizationPath.StartsWith(scopePath, StringComparison.Ordinal);

    /// <summary>
    /// Why an achievement of the organization at <paramref name="achievementOrganizationPath"/> may not have these conditions:
    /// every course they name must be one that organization may name (<see cref="MayNameCourse"/>), whoever saves it, so an
    /// administrator above several organizations cannot give one's achievement another's private course. A course missing from
    /// <paramref name="seenByActor"/> (no such course, or one the caller may not name) is unknown, exactly like a random id;
    /// one the caller sees is named in its refusal. Every problem is reported at its path.
    /// </summary>
    public static Error? WhyNotName(Condition conditions, IReadOnlyDictionary<Guid, NamedCourse> seenByActor, string achievementOrganizationPath)
    {
        var problems = new ValidationErrors();
        var named = ConditionJson.CoursePaths(conditions).ToList();
        var unknown = named.Where(n => !seenByActor.ContainsKey(n.CourseId)).ToList();
        if (unknown.Count > 0)
        {
            problems.Add(AchievementErrors.UnknownCourses(unknown));
        }
        foreach (var (path, courseId) in named)
        {
            if (seenByActor.TryGetValue(courseId, out var course) && !MayNameCourse(course.OrganizationPath, course.OpenToOutsiders, achievementOrganizationPath))
            {
                problems.Add(AchievementErrors.CourseNotAvailable(path, course));
            }
        }
        return problems.Any ? problems.ToError() : null;
    }

    /// <summary>A badge may be attached when it belongs to the achievement's organization or lists it in its availability, and is not archived.</summary>
    public static Error? WhyNotAttach(Badge? badge, Guid badgeId, Guid achievementOrganizationId) =>
        badge is null ? AchievementErrors.UnknownBadge(badgeId)
        : !MayAttach(badge.OrganizationId, badge.Availability.Select(a => a.OrganizationId), achievementOrganizationId)
            ? AchievementErrors.BadgeNotAvailable(badge)
        : badge.IsArchived ? AchievementErrors.BadgeArchived(badge)
        : null;

    /// <summary>Whether a badge of <paramref name="badgeOrganizationId"/>, available to <paramref name="availableTo"/>, is one an achievement of <paramref name="achievementOrganizationId"/> may award.</summary>
    public static bool MayAttach(Guid badgeOrganizationId, IEnumerable<Guid> availableTo, Guid achievementOrganizationId) =>
        badgeOrganizationId == achievementOrganizationId || availableTo.Contains(achievementOrganizationId);

    /// <summary>
    /// Whether a user may earn the achievement (again) at <paramref name="at"/>: per_user, at most Frequency times per user;
    /// per_day, once a day per user and at most Frequency times a day in all; per_achievement, once per user and at most
    /// Frequency times in all.
    /// </summary>
    public static bool MayEarn(Achievement achievement, IReadOnlyCollection<DateTime> earnedByUser, DateTime at, int earnedInAll, int earnedInAllThatDay) =>
        achievement.FrequencyType switch
        {
            FrequencyType.PerUser => earnedByUser.Count < achievement.Frequency,
            FrequencyType.PerDay => earnedInAllThatDay < achievement.Frequency && earnedByUser.All(e => e.Date != at.Date),
            _ => earnedInAll < achievement.Frequency && earnedByUser.Count == 0,
        };

    /// <summary>
    /// Whether <see cref="MayEarn"/> can still hold for the user on some day: a per_day achievement can always be earned
    /// again another day; a per_user or per_achievement one, once used up, never again (earnings are never taken back).
    /// </summary>
    public static bool MayEverEarn(Achievement achievement, int earnedByUser, int earnedInAll) =>
        achievement.FrequencyType switch
        {
            FrequencyType.PerUser => earnedByUser < achievement.Frequency,
            FrequencyType.PerDay => true,
            _ => earnedInAll < achievement.Frequency && earnedByUser == 0,
        };
}

public static class AchievementErrors
{
    public const string InvalidConditions = "invalid_conditions";

    public static readonly InvalidError NotAStudent = new("not_a_student", "Only active students earn achievements.");

    public static readonly InvalidError OrganizationDisabled =
        new("achievements_disabled", "The student's organization does not take part in achievements.");

    public static readonly InvalidError NotParticipating = new("not_participating", "The student does not participate in achievements.");

    public static readonly InvalidError OutsideOrganization = new("outside_organization",
        "The achievement belongs to another organization, and its courses do not enable achievements for outside organizations.");

    public static readonly ConflictError HasEarnings = new("achievement_earned", "The achievement has been earned, so it cannot be deleted; disable it instead.");

    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage achievements.");

    public static Error UnknownBadge(Guid badgeId) => InvalidError.Field("badgeId", "unknown_badge", $"There is no badge with id '{badgeId}'.");

    public static Error BadgeNotAvailable(Badge badge) => InvalidError.Field("badgeId", "badge_not_available",
        $"The badge '{badge.Name}' belongs to another organization and is not available to the achievement's organization.");

    public static Error BadgeArchived(Badge badge) => InvalidError.Field("badgeId", "badge_archived", $"The badge '{badge.Name}' is archived.");

    public static Error CourseNotAvailable(string path, NamedCourse course) => InvalidError.Field(path, "course_not_available",
        $"The course '{course.Name}' belongs to an organization outside the achievement's and does not enable achievements for outside organizations.");

    public static Error UnknownCourses(IEnumerable<(string Path, Guid CourseId)> unknown)
    {
        var fields = unknown.GroupBy(u => u.Path).ToDictionary(g => g.Key, g => g.Select(u => $"There is no course with id '{u.CourseId}'.").ToArray());
        return new InvalidError("unknown_course", string.Join(" ", fields.Values.SelectMany(m => m)), fields);
    }
}
