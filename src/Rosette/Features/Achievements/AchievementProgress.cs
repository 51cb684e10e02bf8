using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;

namespace Rosette.Features.Achievements;

public sealed record ConditionProgressDto(string Type, bool Met, int Done, int Required, string Summary, IReadOnlyList<ConditionProgressDto> Conditions);

public sealed record AchievementProgressDto(
    Guid Id, string Name, string Description, int Points, Guid? BadgeId, string? BadgeName, int Frequency, FrequencyType FrequencyType,
    int TimesEarned, DateTime? LastEarnedAt, bool Met, ConditionProgressDto Progress);

public sealed record UserProgressDto(Guid UserId, int Points, bool Eligible, string? Reason, string? ReasonMessage, IReadOnlyList<AchievementProgressDto> Achievements);

/// <summary>
/// A student's progress toward each enabled achievement they can earn: those of their organization and its ancestors, and
/// those open to outside organizations through a course they take. Students see their own; administrators, students in scope.
/// </summary>
public sealed class AchievementProgressHandler(RosetteDb db, ActivityStore activity, AchievementStore catalogs)
{
    public async Task<Result<UserProgressDto>> HandleAsync(Actor actor, Guid userId, CancellationToken cancellationToken)
    {
        if (actor.IsInstructor)
        {
            return CommonErrors.Forbidden("Students see their own achievement progress; administrators, that of users in their scope.");
        }
        var visible = actor.IsStudent ? userId == actor.UserId : await db.Users.AdministeredBy(db, actor).AnyAsync(u => u.Id == userId, cancellationToken);
        if (!visible)
        {
            return CommonErrors.NotFound("user", userId);
        }
        var state = (await activity.LoadStatesAsync([userId], cancellationToken))[userId];
        var catalog = await catalogs.LoadCatalogAsync(cancellationToken);
        var taking = await db.CourseAssignments.Where(a => a.StudentId == userId).Select(a => a.CourseId).ToListAsync(cancellationToken);
        var involved = taking.Select(ActivitySubjects.Course).ToHashSet();
        var entries = catalog.Entries.Where(e =>
                state.Earner.OrganizationPath.StartsWith(e.OrganizationPath, StringComparison.Ordinal)
                || (e.OpenToOutsiders && e.Achievement.Conditions.Facts().Any(f => involved.Contains(f.Subject) || state.Activity.FirstAt(f.Type, f.Subject) is not null)))
            .OrderBy(e => e.Achievement.Name).ThenBy(e => e.Achievement.Id).ToList();
        var courseIds = entries.SelectMany(e => e.Achievement.Conditions.Courses()).Distinct().ToList();
        var courses = await (
                from c in db.Courses
                where courseIds.Contains(c.Id)
                join o in db.Organizations on c.OrganizationId equals o.Id
                select new { c.Id, c.Name, o.Path, c.EnableAchievementsForOutsideOrganizations })
            .ToDictionaryAsync(c => c.Id, cancellationToken);
        var badgeIds = entries.Where(e => e.Achievement.BadgeId is not null).Select(e => e.Achievement.BadgeId!.Value).Distinct().ToList();
        var badgeNames = await db.Badges.Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.Name, cancellationToken);
        // A course is named where the achievement's organization may name it, or the viewer may (an administrator's scope, a
        // student's own courses); otherwise it is shown by id, like a course that does not exist.
        string CourseName(CatalogEntry entry, Guid id) =>
            courses.TryGetValue(id, out var c)
            && (AchievementRules.MayNameCourse(c.Path, c.EnableAchievementsForOutsideOrganizations, entry.OrganizationPath)
                || (actor.IsStudent ? taking.Contains(id) : AchievementRules.MayNameCourse(c.Path, c.EnableAchievementsForOutsideOrganizations, actor.ScopePath)))
                ? c.Name
                : id.ToString();

        var achievements = entries.Select(e =>
        {
            var a = e.Achievement;
            var progress = ConditionEvaluator.Progress(a.Conditions, state.Activity);
            var earned = state.Earned(a.Id);
            return new AchievementProgressDto(a.Id, a.Name, a.Description, a.Points, a.BadgeId, a.BadgeId is { } b ? badgeNames.GetValueOrDefault(b) : null,
                a.Frequency, a.FrequencyType, earned.Count, earned.Count == 0 ? null : earned.Max(), progress.Met, ToDto(progress, id => CourseName(e, id)));
        }).ToList();
        var reason = AchievementRules.WhyNotEarner(state.Earner);
        return new UserProgressDto(userId, state.Activity.Points, reason is null, reason?.Code, reason?.Message, achievements);
    }

    private static ConditionProgressDto ToDto(ConditionProgress progress, Func<Guid, string> courseName) => new(
        TypeName(progress.Condition), progress.Met, progress.Done, progress.Required, ConditionEvaluator.Describe(progress, courseName),
        progress.Children.Select(c => ToDto(c, courseName)).ToList());

    public static string TypeName(Condition condition) => condition switch
    {
        LabLaunched => "lab_launched",
        LabCompleted => "lab_completed",
        CourseCompleted => "course_completed",
        CoursesCompleted => "courses_completed",
        ExamPassed => "exam_passed",
        PointsAtLeast => "points_at_least",
        AllOf => "all",
        _ => "any",
    };
}
