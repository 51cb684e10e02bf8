using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using static Rosette.Tests.Domain.OrganizationTree;

namespace Rosette.Tests.Domain;

/// <summary>IssuanceRules on their own: the badge's, the student's and the pair's reasons, and the size of a request.</summary>
public sealed class IssuanceRulesTests
{
    [Theory]
    [InlineData("none", false, "unknown_badge")]
    [InlineData("other-organization", false, "badge_not_in_class_organization")]
    [InlineData("other-organization", true, "badge_not_in_course_organization")]
    [InlineData("archived", false, "badge_archived")]
    [InlineData("manual-off", false, "manual_issuance_disabled")]
    [InlineData("archived-manual-off", false, "badge_archived")]
    [InlineData("issuable", false, null)]
    [InlineData("issuable", true, null)]
    public void WhyNotBadge_GivesTheFirstReasonInOrder_UnknownOrganizationArchivedManual(string kind, bool courseAssignment, string? code)
    {
        var badge = kind switch
        {
            "none" => null,
            "other-organization" => NewBadge(B),
            "archived" => NewBadge(A, archived: true),
            "manual-off" => NewBadge(A, manual: false),
            "archived-manual-off" => NewBadge(A, manual: false, archived: true),
            _ => NewBadge(A),
        };
        var id = badge?.Id ?? Guid.NewGuid();

        var reason = IssuanceRules.WhyNotBadge(badge, id, A.Id, seenByActor: _ => true, courseAssignment);

        Assert.Equal(code, reason?.Code);
        Assert.Equal(code is null, badge is not null && IssuanceRules.IsIssuableIn(badge, A.Id));
        Assert.Equal(code is null, badge is not null && IssuanceRules.IssuableIn(A.Id).Compile()(badge));
    }

    [Fact]
    public void WhyNotBadge_OfAnotherOrganization_NamesTheBadgeByIdOnly()
    {
        var badge = NewBadge(B);

        var reason = IssuanceRules.WhyNotBadge(badge, badge.Id, A.Id, seenByActor: _ => true);

        Assert.Contains(badge.Id.ToString(), reason!.Message);
        Assert.DoesNotContain(badge.Name, reason.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WhyNotBadge_OfAnotherOrganizationTheActorDoesNotSee_IsAnUnknownBadge(bool courseAssignment)
    {
        var badge = NewBadge(B);
        var unknown = Guid.NewGuid();

        var reason = IssuanceRules.WhyNotBadge(badge, badge.Id, A.Id, seenByActor: _ => false, courseAssignment);

        // Word for word what an id of no badge gets, but for the id: the answer tells nothing of the badge's existence.
        Assert.Equal(IssuanceRules.WhyNotBadge(null, unknown, A.Id, seenByActor: _ => false, courseAssignment)!.Message.Replace(unknown.ToString(), badge.Id.ToString()), reason!.Message);
        Assert.Equal("unknown_badge", reason.Code);
    }

    public static TheoryData<string, UserRole, bool, bool, string, string?> Students => new()
    {
        // student, role, active, enrolled, the actor's place, the expected code
        { "unknown", UserRole.Student, true, true, "admin-root", "unknown_student" },
        { "known", UserRole.Instructor, true, true, "admin-root", "unknown_student" },
        { "known", UserRole.Administrator, true, true, "admin-root", "unknown_student" },
        { "known", UserRole.Student, false, true, "admin-root", "unknown_student" },
        { "known", UserRole.Student, true, false, "admin-root", "not_enrolled" },
        { "known", UserRole.Student, true, false, "instructor-a", "unknown_student" },
        { "known", UserRole.Student, true, true, "instructor-b", "student_not_selectable" },
        { "known", UserRole.Student, true, true, "instructor-a", null },
        { "known", UserRole.Student, true, true, "contract-b", null },
        { "known", UserRole.Student, true, true, "admin-root", null },
    };

    [Theory]
    [MemberData(nameof(Students))]
    public void WhyNotStudent_AnActiveEnrolledStudentTheActorMayChoose_AndIsSelectableAgrees(
        string student, UserRole role, bool active, bool enrolled, string actorPlace, string? code)
    {
        var studentId = Guid.NewGuid();
        var facts = new StudentInClass(student == "unknown" ? null : new StudentFacts(studentId, "Ada Lovelace", role, active, A1.Path), enrolled);
        var (actor, access) = actorPlace switch
        {
            "admin-root" => At(UserRole.Administrator, Root, null),
            "instructor-a" => At(UserRole.Instructor, A, InstructorKind.Organization),
            "instructor-b" => At(UserRole.Instructor, B, InstructorKind.Organization),
            _ => At(UserRole.Instructor, B, InstructorKind.Contract),
        };

        var reason = IssuanceRules.WhyNotStudent(facts, studentId, access, actor);

        Assert.Equal(code, reason?.Code);
        Assert.Equal(code is null, IssuanceRules.IsSelectable(facts, access));
    }

    [Fact]
    public void WhyNotStudent_NotEnrolled_NamesTheStudentOnlyToTheirAdministrator()
    {
        var studentId = Guid.NewGuid();
        var facts = new StudentInClass(new StudentFacts(studentId, "Ada Lovelace", UserRole.Student, true, A1.Path), ActivelyEnrolled: false);
        var (admin, adminAccess) = At(UserRole.Administrator, Root, null);
        var (instructor, instructorAccess) = At(UserRole.Instructor, A, InstructorKind.Organization);

        Assert.Contains("Ada Lovelace", IssuanceRules.WhyNotStudent(facts, studentId, adminAccess, admin)!.Message);
        Assert.DoesNotContain("Ada Lovelace", IssuanceRules.WhyNotStudent(facts, studentId, instructorAccess, instructor)!.Message);
    }

    [Theory]
    // badge reason, student reason, held (null: none; days until it expires; int.MaxValue: never expires), renewal window, outcome, code
    [InlineData(true, true, null, 30, PairOutcome.Fail, "badge_archived")]
    [InlineData(false, true, null, 30, PairOutcome.Fail, "unknown_student")]
    [InlineData(true, false, 5, 30, PairOutcome.Fail, "badge_archived")]
    [InlineData(false, false, null, 30, PairOutcome.Issue, null)]
    [InlineData(false, false, int.MaxValue, 30, PairOutcome.Fail, "already_earned")]
    [InlineData(false, false, 40, 30, PairOutcome.Fail, "already_earned")]
    [InlineData(false, false, 30, 30, PairOutcome.Renew, null)]
    [InlineData(false, false, 20, 30, PairOutcome.Renew, null)]
    [InlineData(false, false, 1, 0, PairOutcome.Fail, "already_earned")]
    [InlineData(false, false, 0, 0, PairOutcome.Renew, null)]
    [InlineData(false, false, -10, 0, PairOutcome.Renew, null)]
    public void Decide_FailsOnTheBadgeThenTheStudent_IssuesToANewHolder_RenewsWithinTheWindow(
        bool badgeFails, bool studentFails, int? expiresInDays, int windowDays, PairOutcome outcome, string? code)
    {
        var badge = NewBadge(A);
        Assert.Null(badge.SetLifecycle(new BadgeLifecycle(windowDays, null, null, null), Now));
        var held = expiresInDays is { } days ? new HeldAward(Guid.NewGuid(), Now.AddDays(-400), days == int.MaxValue ? null : Now.AddDays(days)) : null;

        var verdict = IssuanceRules.Decide(
            badgeFails ? IssuanceErrors.BadgeArchived(badge) : null, studentFails ? IssuanceErrors.UnknownStudent(Guid.NewGuid()) : null, held, badge, Now);

        Assert.Equal((outcome, code), (verdict.Outcome, verdict.Failure?.Code));
    }

    [Theory]
    [InlineData(0, 1, "validation_failed", "badgeIds")]
    [InlineData(1, 0, "validation_failed", "studentIds")]
    [InlineData(0, 0, "validation_failed", "badgeIds,studentIds")]
    [InlineData(1, 1, null, null)]
    [InlineData(IssuanceRules.MaxBadgesPerRequest, IssuanceRules.MaxPairsPerRequest / IssuanceRules.MaxBadgesPerRequest, null, null)]
    [InlineData(IssuanceRules.MaxBadgesPerRequest + 1, 1, "batch_too_large", null)]
    [InlineData(1, IssuanceRules.MaxStudentsPerRequest + 1, "batch_too_large", null)]
    [InlineData(IssuanceRules.MaxBadgesPerRequest, IssuanceRules.MaxPairsPerRequest / IssuanceRules.MaxBadgesPerRequest + 1, "batch_too_large", null)]
    public void CheckRequestSize_AsksForABadgeAndAStudent_AndCapsBadgesStudentsAndPairs(int badges, int students, string? code, string? fields)
    {
        var error = IssuanceRules.CheckRequestSize(badges, students);

        Assert.Equal(code, error?.Code);
        Assert.Equal(fields, (error as InvalidError)?.Fields is { Count: > 0 } named ? string.Join(",", named.Keys.Order()) : null);
    }

    private static Badge NewBadge(Organization organization, bool manual = true, bool archived = false)
    {
        var badge = Badge.Create("First Aid", "Gave first aid.", null, organization, manual, null, [], Now).Value;
        if (archived)
        {
            Assert.Null(badge.Update(new BadgeChanges(null, null, null, null, Archived: true, null, false, null), organization, Now));
        }
        return badge;
    }

    private static (Actor, ClassAccess) At(UserRole role, Organization organization, InstructorKind? assignedAs)
    {
        var actor = new Actor(Guid.NewGuid(), role, organization.Id, organization.Path, false);
        return (actor, ClassAccess.For(actor, Root, assignedAs, enrolled: false));
    }
}
