using System.Linq.Expressions;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Users;

namespace Rosette.Domain.Issuance;

/// <summary>What the rules need to know of a user who is to receive a badge.</summary>
public sealed record StudentFacts(Guid Id, string FullName, UserRole Role, bool IsActive, string OrganizationPath)
{
    public static StudentFacts Of(User user, string organizationPath) => new(user.Id, user.FullName, user.Role, user.IsActive, organizationPath);
}

/// <summary>An active award a student holds, as the rules need it.</summary>
public sealed record HeldAward(Guid AwardId, DateTime IssuedAt, DateTime? ExpiresAt);

/// <summary>What happens to one badge-student pair: issued, renewed, or failed with a reason.</summary>
public sealed record PairVerdict(PairOutcome Outcome, Error? Failure)
{
    public static readonly PairVerdict Issue = new(PairOutcome.Issue, null);

    public static readonly PairVerdict Renew = new(PairOutcome.Renew, null);

    public static PairVerdict Fail(Error reason) => new(PairOutcome.Fail, reason);
}

public enum PairOutcome
{
    Issue,
    Renew,
    Fail,
}

/// <summary>What the rules need to know of a student in a class; <see cref="Student"/> is null for an unknown id.</summary>
public sealed record StudentInClass(StudentFacts? Student, bool ActivelyEnrolled);

/// <summary>
/// The only place that decides whether a badge may be issued to a student by hand. A pair fails on the badge's
/// reason, else the student's, else because the student already holds the badge. Batches work out the badge's
/// and the student's reasons once each, then combine them per pair.
/// </summary>
public static class IssuanceRules
{
    public const int MaxBadgesPerRequest = 100;
    public const int MaxStudentsPerRequest = 20_000;
    public const int MaxPairsPerRequest = 200_000;

    public const string PartialFailureWarning = "Warning: Not all badges were successfully issued. See the Failed Badge list for details.";

    /// <summary>Badges that can be issued in a class: its organization's, allowing manual issuance, not archived.</summary>
    public static bool IsIssuableIn(Badge badge, Guid classOrganizationId) => WhyNotBadge(badge, badge.Id, classOrganizationId, seenByActor: _ => true) is null;

    /// <summary>The same rule as a query, so that the database filters and pages the badges a chooser offers (tested to agree with <see cref="WhyNotBadge"/>).</summary>
    public static Expression<Func<Badge, bool>> IssuableIn(Guid classOrganizationId) =>
        b => b.OrganizationId == classOrganizationId && !b.IsArchived && b.AllowManualIssuance;

    /// <summary>
    /// Why <paramref name="badge"/> cannot be issued in <paramref name="organizationId"/>. A badge of another organization is
    /// named as such only to an actor who sees it (<paramref name="seenByActor"/>: who administers its organization); anyone
    /// else learns nothing more of its id than of an unknown one.
    /// </summary>
    public static Error? WhyNotBadge(Badge? badge, Guid badgeId, Guid organizationId, Func<Badge, bool> seenByActor, bool courseAssignment = false) =>
        badge is null ? IssuanceErrors.UnknownBadge(badgeId)
        : badge.OrganizationId != organizationId ? (!seenByActor(badge) ? IssuanceErrors.UnknownBadge(badgeId)
            : courseAssignment ? IssuanceErrors.BadgeNotInCourseOrganization(badge) : IssuanceErrors.BadgeNotInClassOrganization(badge))
        : badge.IsArchived ? IssuanceErrors.BadgeArchived(badge)
        : !badge.AllowManualIssuance ? IssuanceErrors.ManualIssuanceDisabled(badge)
        : null;

    /// <summary>
    /// Students that can be chosen in a class: active students, actively enrolled, whom the actor may choose. A reason names
    /// the student only to an actor who may see them (on the roster they may choose from, or administered by them); anyone
    /// else learns nothing more of an id than of an unknown one.
    /// </summary>
    public static Error? WhyNotStudent(StudentInClass facts, Guid studentId, ClassAccess access, Actor actor) =>
        WhyNotRecipient(facts.Student, studentId)
        ?? (!facts.ActivelyEnrolled
            ? (actor.Administers(facts.Student!.OrganizationPath) ? IssuanceErrors.NotEnrolled(facts.Student.FullName) : IssuanceErrors.UnknownStudent(studentId))
        : !access.CanChooseStudentOf(facts.Student!.OrganizationPath) ? IssuanceErrors.StudentNotSelectable(studentId)
        : null);

    /// <summary>Badges go to active users with the student role, whatever the path.</summary>
    public static Error? WhyNotRecipient(StudentFacts? student, Guid studentId) =>
        student is not null && ActiveStudents.Is(student.Role, student.IsActive) ? null : IssuanceErrors.UnknownStudent(studentId);

    public static bool IsSelectable(StudentInClass facts, ClassAccess access) =>
        WhyNotRecipient(facts.Student, Guid.Empty) is null && facts.ActivelyEnrolled && access.CanChooseStudentOf(facts.Student!.OrganizationPath);

    /// <summary>
    /// The verdict for one pair, from the badge's and the student's reasons and the award the student holds, if any: a pair
    /// fails on the badge's reason, else the student's; a student without the badge is issued it; one whose award has
    /// expired or is within the badge's renewal window has it renewed; anyone else already holds it (already_earned, with
    /// its expiry).
    /// </summary>
    public static PairVerdict Decide(Error? badgeReason, Error? studentReason, HeldAward? held, Badge? badge, DateTime now) =>
        (badgeReason ?? studentReason) is { } reason ? PairVerdict.Fail(reason)
        : held is null ? PairVerdict.Issue
        : badge is not null && RenewalRules.IsRenewable(held.ExpiresAt, badge.RenewalWindowDays, now) ? PairVerdict.Renew
        : PairVerdict.Fail(IssuanceErrors.AlreadyEarned(held.IssuedAt, held.ExpiresAt, badge?.RenewalWindowDays ?? 0));

    /// <summary>Checks the size of a request before anything is loaded.</summary>
    public static Error? CheckRequestSize(int badges, int students)
    {
        if (badges == 0 || students == 0)
        {
            var errors = new ValidationErrors();
            if (badges == 0)
            {
                errors.Add(InvalidError.Field("badgeIds", InvalidError.ValidationFailed, "Choose at least one badge."));
            }
            if (students == 0)
            {
                errors.Add(InvalidError.Field("studentIds", InvalidError.ValidationFailed, "Choose at least one student."));
            }
            return errors.ToError();
        }
        return badges > MaxBadgesPerRequest || students > MaxStudentsPerRequest || (long)badges * students > MaxPairsPerRequest
            ? IssuanceErrors.BatchTooLarge
            : null;
    }
}

public static class IssuanceErrors
{
    // Codes a stored failure is read back by (BatchResultView words old failures neutrally).
    public const string UnknownBadgeCode = "unknown_badge";

    public const string UnknownStudentCode = "unknown_student";

    public const string BadgeNotInClassOrganizationCode = "badge_not_in_class_organization";

    public const string BadgeNotInCourseOrganizationCode = "badge_not_in_course_organization";

    public const string NotEnrolledCode = "not_enrolled";

    public const string StudentNotSelectableCode = "student_not_selectable";

    public static readonly InvalidError BatchTooLarge = new("batch_too_large",
        $"A request may issue at most {IssuanceRules.MaxBadgesPerRequest} badges to at most {IssuanceRules.MaxStudentsPerRequest} students, " +
        $"and at most {IssuanceRules.MaxPairsPerRequest} badge-student pairs in all. Split the batch.");

    public static Error UnknownBadge(Guid badgeId) => new InvalidError(UnknownBadgeCode, $"There is no badge with id '{badgeId}'.");

    public static Error UnknownStudent(Guid studentId) =>
        new InvalidError(UnknownStudentCode, $"There is no active student with id '{studentId}' that can be chosen here.");

    // A badge of another organization is named by its id only: its name is not the caller's to read.
    public static Error BadgeNotInClassOrganization(Badge badge) =>
        new InvalidError(BadgeNotInClassOrganizationCode, $"The badge '{badge.Id}' belongs to another organization than the class.");

    public static Error BadgeNotInCourseOrganization(Badge badge) =>
        new InvalidError(BadgeNotInCourseOrganizationCode, $"The badge '{badge.Id}' belongs to another organization than the course.");

    public static Error BadgeArchived(Badge badge) => new InvalidError("badge_archived", $"The badge '{badge.Name}' is archived.");

    public static Error ManualIssuanceDisabled(Badge badge) =>
        new InvalidError("manual_issuance_disabled", $"The badge '{badge.Name}' is not marked to allow manual issuance.");

    public static Error NotEnrolled(string studentName) => new InvalidError(NotEnrolledCode, $"{studentName} is not enrolled in this class.");

    public static Error StudentNotSelectable(Guid studentId) =>
        new InvalidError(StudentNotSelectableCode, $"The student '{studentId}' belongs to an organization you do not teach for in this class.");

    public static Error AlreadyEarned(DateTime since, DateTime? expiresAt = null, int renewalWindowDays = 0) =>
        new ConflictError("already_earned", expiresAt is { } expires
            ? $"The student already earned this badge on {since:yyyy-MM-dd HH:mm} UTC; it is valid until {expires:yyyy-MM-dd HH:mm} UTC and can be renewed from {RenewalRules.RenewableFrom(expires, renewalWindowDays):yyyy-MM-dd HH:mm} UTC."
            : $"The student already earned this badge on {since:yyyy-MM-dd HH:mm} UTC; a badge is earned only once.");

    public static Error NotRenewable(Guid awardId, DateTime? expiresAt, int renewalWindowDays) =>
        new ConflictError("not_renewable", expiresAt is { } expires
            ? $"The award '{awardId}' is valid until {expires:yyyy-MM-dd HH:mm} UTC and can be renewed from {RenewalRules.RenewableFrom(expires, renewalWindowDays):yyyy-MM-dd HH:mm} UTC."
            : $"The award '{awardId}' never expires: there is nothing to renew.");

    public static Error AwardRevoked(Guid awardId) => new ConflictError("award_revoked", $"The award '{awardId}' is revoked: issue the badge again instead.");

    public static readonly UnprocessableError IdempotencyKeyReused = new("idempotency_key_reused",
        "This Idempotency-Key was already used for a different request. Send the same request to get its result again, or a new key for a new request.");

    public static Error AlreadyRevoked(Guid awardId) => new ConflictError("already_revoked", $"The award '{awardId}' is already revoked.");

    public static readonly ForbiddenError CourseAssignmentAdministratorsOnly =
        new("forbidden", "Only administrators issue badges from a course assignment.");

    public static readonly ForbiddenError RevocationAdministratorsOnly = new("forbidden", "Only administrators revoke awards.");

    public static readonly ForbiddenError IssuersOnly = new("forbidden", "Only the class's instructors and administrators issue badges in it.");
}
