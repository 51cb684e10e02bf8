using Rosette.Domain.Users;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;

namespace Rosette.Features.Issuance;

public sealed record IssueFromCourseAssignmentRequest(Guid? BadgeId, string? Narrative, bool? SuppressNotifications);

/// <summary>
/// An administrator issues one badge to the student of a course assignment they administer (course and student of their
/// scope): a badge of the course's organization that allows manual issuance, under the same earn-once rule and failure
/// codes as class issuance.
/// </summary>
public sealed class IssueFromCourseAssignmentHandler(RosetteDb db, AwardIssuer issuer, TimeProvider clock)
{
    public async Task<Result<IssueBadgesResult>> HandleAsync(
        Actor actor, Guid assignmentId, IssueFromCourseAssignmentRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (request.BadgeId is not { } badgeId)
        {
            return InvalidError.Field("badgeId", InvalidError.ValidationFailed, "'badgeId' is required.");
        }
        if (IssueBadgesHandler.Validate(1, 1, request.Narrative, null) is { } invalid)
        {
            return invalid;
        }
        var assignment = await (
            from a in db.CourseAssignments.AsNoTracking().AdministeredBy(db, actor)
            where a.Id == assignmentId
            join c in db.Courses on a.CourseId equals c.Id
            select new { Assignment = a, Course = c }).SingleOrDefaultAsync(cancellationToken);
        if (assignment is null)
        {
            return actor.IsAdministrator ? CommonErrors.NotFound("course_assignment", assignmentId) : IssuanceErrors.CourseAssignmentAdministratorsOnly;
        }
        var studentId = assignment.Assignment.StudentId;
        var badge = await db.Badges.AsNoTracking().SingleOrDefaultAsync(b => b.Id == badgeId, cancellationToken);
        var student = await (from u in db.Users.AsNoTracking()
                             where u.Id == studentId
                             join o in db.Organizations on u.OrganizationId equals o.Id
                             select new StudentFacts(u.Id, PersonName.Full(u.FirstName, u.LastName), u.Role, u.IsActive, o.Path)).SingleOrDefaultAsync(cancellationToken);
        var seen = await db.AdministeredAmongAsync(actor, badge is null || badge.OrganizationId == assignment.Course.OrganizationId ? [] : [badge.OrganizationId], cancellationToken);
        var held = await db.HeldAwardsAsync([badgeId], [studentId], cancellationToken);
        var now = clock.UtcNowSeconds();
        var narrative = Text.Optional("narrative", request.Narrative, Award.NarrativeMaxLength).Value;
        var batch = IssuanceBatch.Create(AwardSource.CourseAssignment, null, assignmentId, actor.PersonId, now, 1, 1, narrative,
            request.SuppressNotifications ?? false, null, apiKeyId: actor.ApiKeyId);
        var decision = IssueBadgesHandler.Decide(
            IssuanceRules.WhyNotBadge(badge, badgeId, assignment.Course.OrganizationId, b => seen.Contains(b.OrganizationId), courseAssignment: true),
            IssuanceRules.WhyNotRecipient(student, studentId), badge, badgeId, studentId, held.GetValueOrDefault((badgeId, studentId)), batch, now, narrative);
        var place = new BatchPlace(assignment.Course.OrganizationId, $"from the assignment of course '{assignment.Course.Name}'");
        return (await issuer.WriteAsync(batch, [decision], place, started, cancellationToken))!;
    }
}
