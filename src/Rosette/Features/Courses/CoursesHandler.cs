using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Courses;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Courses;

public sealed record CreateCourseRequest(string? Name, Guid? OrganizationId, bool? EnableAchievementsForOutsideOrganizations);

public sealed record UpdateCourseRequest(string? Name, bool? EnableAchievementsForOutsideOrganizations);

public sealed record CreateCourseAssignmentRequest(Guid? CourseId, Guid? StudentId);

public sealed record UpdateCourseAssignmentRequest(DateTime? CompletedAt);

public sealed record CourseAssignmentListRequest(int? Page, int? PageSize, Guid? CourseId, Guid? StudentId);

public sealed class CoursesHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The refusal of every course route and page but the assignment reads, declared by policy on each (see <see cref="CoursesApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage courses and course assignments.");

    public async Task<Result<CourseDto>> CreateAsync(Actor actor, CreateCourseRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var created = Course.Create(request.Name, organizationId, request.EnableAchievementsForOutsideOrganizations ?? false, clock.UtcNowSeconds());
        if (!created.IsSuccess)
        {
            return created.Error;
        }
        if (!await db.Organizations.AdministeredBy(actor).AnyAsync(o => o.Id == organizationId, cancellationToken))
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        db.Courses.Add(created.Value);
        audit.Record(actor, AuditKind.CourseCreated, organizationId, created.Value.Id, $"Created course '{created.Value.Name}'",
            new { created.Value.Name, created.Value.EnableAchievementsForOutsideOrganizations });
        await db.SaveChangesAsync(cancellationToken);
        return CourseDto.From(created.Value);
    }

    public async Task<Result<Paged<CourseDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = Administered(actor).AsNoTracking();
        if (paging.Term is { } term)
        {
            query = query.Where(c => c.Name.ToLower().Contains(term));
        }
        return await paging.ToPageAsync(query.OrderBy(c => c.Name).ThenBy(c => c.Id), CourseDto.From, cancellationToken);
    }

    public async Task<Result<CourseDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var course = await Administered(actor).AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        return course is null ? CourseErrors.NotFound(id) : CourseDto.From(course);
    }

    public async Task<Result<CourseDto>> UpdateAsync(Actor actor, Guid id, UpdateCourseRequest request, CancellationToken cancellationToken)
    {
        var course = await Administered(actor).SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (course is null)
        {
            return CourseErrors.NotFound(id);
        }
        var (name, outside) = (course.Name, course.EnableAchievementsForOutsideOrganizations);
        if (course.Update(request.Name, request.EnableAchievementsForOutsideOrganizations) is { } error)
        {
            return error;
        }
        var changes = new ChangeSet().Add("name", name, course.Name)
            .Add("enableAchievementsForOutsideOrganizations", outside, course.EnableAchievementsForOutsideOrganizations);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.CourseUpdated, course.OrganizationId, course.Id, $"Updated course '{course.Name}': {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return CourseDto.From(course);
    }

    public async Task<Result<CourseAssignmentDto>> AssignAsync(Actor actor, CreateCourseAssignmentRequest request, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.CourseId is null)
        {
            errors.Add(InvalidError.Field("courseId", InvalidError.ValidationFailed, "'courseId' is required."));
        }
        if (request.StudentId is null)
        {
            errors.Add(InvalidError.Field("studentId", InvalidError.ValidationFailed, "'studentId' is required."));
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var courseId = request.CourseId!.Value;
        var studentId = request.StudentId!.Value;
        var course = await Administered(actor).AsNoTracking().SingleOrDefaultAsync(c => c.Id == courseId, cancellationToken);
        if (course is null)
        {
            return CourseErrors.NotFound(courseId);
        }
        var student = await db.Users.AdministeredBy(db, actor).AsNoTracking().SingleOrDefaultAsync(u => u.Id == studentId, cancellationToken);
        if (student is null)
        {
            return CommonErrors.NotFound("user", studentId);
        }
        // A course may be assigned to a student who is no longer active (as before); any other role is refused.
        if (ActiveStudents.WhyNot(student.Role, student.IsActive) is NotActiveStudent.NotAStudent)
        {
            return CourseErrors.NotAStudent;
        }
        var assignment = CourseAssignment.Create(courseId, studentId, clock.UtcNowSeconds());
        db.CourseAssignments.Add(assignment);
        audit.Record(actor, AuditKind.CourseAssigned, course.OrganizationId, assignment.Id,
            $"Assigned course '{course.Name}' to {student.FullName} ({student.Email})", new { courseId, studentId });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return CourseErrors.AlreadyAssigned;
        }
        return CourseAssignmentDto.From(assignment);
    }

    public async Task<Result<Paged<CourseAssignmentDto>>> ListAssignmentsAsync(Actor actor, CourseAssignmentListRequest request, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator && !(actor.IsStudent && request.StudentId == actor.UserId))
        {
            return CommonErrors.Forbidden("Administrators see course assignments; students see their own (studentId=their id).");
        }
        var paging = new PageRequest(request.Page, request.PageSize, null);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = VisibleAssignments(actor).AsNoTracking();
        if (request.CourseId is { } courseId)
        {
            query = query.Where(a => a.CourseId == courseId);
        }
        if (request.StudentId is { } studentId)
        {
            query = query.Where(a => a.StudentId == studentId);
        }
        var rows = from a in query
                   join u in db.Users on a.StudentId equals u.Id
                   orderby a.AssignedAt, a.Id
                   select new CourseAssignmentDto(a.Id, a.CourseId, a.StudentId, a.AssignedAt, a.CompletedAt, PersonName.Full(u.FirstName, u.LastName), u.Email);
        return await paging.ToPageAsync(rows, a => a, cancellationToken);
    }

    /// <summary>Which of these students the course is assigned to, among the assignments the actor sees (for marks beside search results).</summary>
    public async Task<HashSet<Guid>> AssignedAmongAsync(Actor actor, Guid courseId, IReadOnlyCollection<Guid> studentIds, CancellationToken cancellationToken) =>
        studentIds.Count == 0
            ? []
            : (await VisibleAssignments(actor).Where(a => a.CourseId == courseId && studentIds.Contains(a.StudentId))
                .Select(a => a.StudentId).ToListAsync(cancellationToken)).ToHashSet();

    public async Task<Result<CourseAssignmentDto>> GetAssignmentAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var assignment = await VisibleAssignments(actor).AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return assignment is null ? CommonErrors.NotFound("course_assignment", id) : CourseAssignmentDto.From(assignment);
    }

    /// <summary>
    /// Completes an assignment the actor administers; given <paramref name="courseId"/> (the course page), only an assignment of
    /// that course: any other is not found, changing nothing.
    /// </summary>
    public async Task<Result<CourseAssignmentDto>> UpdateAssignmentAsync(
        Actor actor, Guid id, UpdateCourseAssignmentRequest request, CancellationToken cancellationToken, Guid? courseId = null)
    {
        var assignment = await VisibleAssignments(actor)
            .SingleOrDefaultAsync(a => a.Id == id && (courseId == null || a.CourseId == courseId), cancellationToken);
        if (assignment is null)
        {
            return CommonErrors.NotFound("course_assignment", id);
        }
        var before = assignment.CompletedAt;
        if (request.CompletedAt is { } completedAt && assignment.Complete(DateTime.SpecifyKind(completedAt.ToUniversalTime(), DateTimeKind.Utc), clock.GetUtcNow().UtcDateTime) is { } error)
        {
            return error;
        }
        if (before != assignment.CompletedAt)
        {
            var course = await db.Courses.AsNoTracking().Where(c => c.Id == assignment.CourseId).Select(c => new { c.Name, c.OrganizationId }).SingleAsync(cancellationToken);
            audit.Record(actor, AuditKind.CourseAssignmentUpdated, course.OrganizationId, assignment.Id,
                $"Marked the assignment of course '{course.Name}' completed at {assignment.CompletedAt:yyyy-MM-dd HH:mm} UTC",
                new { completedAt = new[] { before, assignment.CompletedAt } });
        }
        await db.SaveChangesAsync(cancellationToken);
        return CourseAssignmentDto.From(assignment);
    }

    private IQueryable<Course> Administered(Actor actor) => db.Courses.AdministeredBy(db, actor);

    /// <summary>Administrators see assignments of courses and students in their scope (<see cref="ScopeQueries"/>); a student sees their own.</summary>
    private IQueryable<CourseAssignment> VisibleAssignments(Actor actor) =>
        actor.IsAdministrator ? db.CourseAssignments.AdministeredBy(db, actor)
        : db.CourseAssignments.Where(a => actor.IsStudent && a.StudentId == actor.UserId);
}
