using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public sealed record CreateClassRequest(string? Name, Guid? OrganizationId, Guid? CourseId, DateTime? StartsAt, DateTime? EndsAt);

/// <summary>A change of a class: what is given changes, a date not given is kept; <c>removeStartsAt</c> or <c>removeEndsAt</c> removes one.</summary>
public sealed record UpdateClassRequest(string? Name, DateTime? StartsAt, DateTime? EndsAt, bool? RemoveStartsAt = null, bool? RemoveEndsAt = null);

public sealed record AssignInstructorRequest(InstructorKind? Kind);

public sealed class ClassesHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The refusal of creating a class and of the class administration pages, declared by policy on each (see <see cref="ClassesApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage classes.");

    public async Task<Result<ClassDto>> CreateAsync(Actor actor, CreateClassRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var created = TrainingClass.Create(request.Name, organizationId, request.CourseId, request.StartsAt, request.EndsAt, clock.UtcNowSeconds());
        if (!created.IsSuccess)
        {
            return created.Error;
        }
        var organizations = db.Organizations.AdministeredBy(actor);
        if (!await organizations.AnyAsync(o => o.Id == organizationId, cancellationToken))
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        if (request.CourseId is { } courseId
            && !await db.Courses.AnyAsync(c => c.Id == courseId && organizations.Any(o => o.Id == c.OrganizationId), cancellationToken))
        {
            return CourseErrors.NotFound(courseId);
        }
        db.Classes.Add(created.Value);
        audit.Record(actor, AuditKind.ClassCreated, organizationId, created.Value.Id, $"Created class '{created.Value.Name}'",
            new { created.Value.Name, created.Value.CourseId, created.Value.StartsAt, created.Value.EndsAt });
        await db.SaveChangesAsync(cancellationToken);
        return ClassDto.From(created.Value, []);
    }

    public async Task<Result<Paged<ClassDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = db.Classes.AsNoTracking().VisibleTo(db, actor);
        if (paging.Term is { } term)
        {
            query = query.Where(c => c.Name.ToLower().Contains(term));
        }
        return await paging.ToPageAsync(query.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id), c => ClassDto.From(c), cancellationToken);
    }

    public async Task<Result<ClassDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, id, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(id);
        }
        var instructors = context.Access.CanTeach
            ? await (from i in db.ClassInstructors.AsNoTracking()
                     where i.ClassId == id
                     join u in db.Users on i.UserId equals u.Id
                     orderby i.AssignedAt, u.LastName
                     select new ClassInstructorDto(i.UserId, i.Kind, PersonName.Full(u.FirstName, u.LastName), u.Email)).ToListAsync(cancellationToken)
            : null;
        return ClassDto.From(context.Class, instructors);
    }

    /// <summary>
    /// Changes a class: the API's PATCH and the class page's form (which always sends both dates, and removes an empty one).
    /// </summary>
    public async Task<Result<ClassDto>> UpdateAsync(Actor actor, Guid id, UpdateClassRequest request, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, id, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(id);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        var trainingClass = context.Class;
        db.Classes.Attach(trainingClass);
        var (name, startsAt, endsAt) = (trainingClass.Name, trainingClass.StartsAt, trainingClass.EndsAt);
        if (trainingClass.Update(request.Name, request.StartsAt, request.EndsAt, request.RemoveStartsAt == true, request.RemoveEndsAt == true) is { } error)
        {
            return error;
        }
        var changes = new ChangeSet().Add("name", name, trainingClass.Name).Add("startsAt", startsAt, trainingClass.StartsAt).Add("endsAt", endsAt, trainingClass.EndsAt);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.ClassUpdated, trainingClass.OrganizationId, trainingClass.Id, $"Updated class '{trainingClass.Name}': {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return ClassDto.From(trainingClass);
    }

    public async Task<Error?> AssignInstructorAsync(Actor actor, Guid classId, Guid userId, AssignInstructorRequest request, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(classId);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        if (request.Kind is not { } kind)
        {
            return InvalidError.Field("kind", InvalidError.ValidationFailed, "'kind' is required: organization or contract.");
        }
        var candidate = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new { User = u, Organization = o })
            .SingleOrDefaultAsync(cancellationToken);
        if (ClassInstructor.WhyNot(actor, candidate?.User, candidate?.Organization, kind) is { } error)
        {
            return error;
        }
        var existing = await db.ClassInstructors.SingleOrDefaultAsync(i => i.ClassId == classId && i.UserId == userId, cancellationToken);
        if (existing?.Kind == kind)
        {
            return null;
        }
        if (existing is null)
        {
            db.ClassInstructors.Add(ClassInstructor.Create(classId, userId, kind, clock.UtcNowSeconds()));
        }
        else
        {
            existing.ChangeKind(kind);
        }
        var kindName = kind.ToString().ToLowerInvariant();
        audit.Record(actor, AuditKind.InstructorAssigned, context.Organization.Id, classId,
            $"Assigned {candidate!.User.FullName} ({candidate.User.Email}) to class '{context.Class.Name}' as {kindName} instructor",
            new { userId, kind = kindName });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // A concurrent identical PUT won: PUT is idempotent, so this is success.
        }
        return null;
    }

    public async Task<Error?> RemoveInstructorAsync(Actor actor, Guid classId, Guid userId, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(classId);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        var assignment = await db.ClassInstructors.SingleOrDefaultAsync(i => i.ClassId == classId && i.UserId == userId, cancellationToken);
        if (assignment is null)
        {
            return ClassErrors.NotAssigned;
        }
        var instructor = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.FirstName, u.LastName, u.Email }).SingleAsync(cancellationToken);
        db.ClassInstructors.Remove(assignment);
        audit.Record(actor, AuditKind.InstructorRemoved, context.Organization.Id, classId,
            $"Removed {PersonName.Full(instructor.FirstName, instructor.LastName)} ({instructor.Email}) from the instructors of class '{context.Class.Name}'", new { userId });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Removed by a concurrent request a moment ago: as if it had not been there.
            return ClassErrors.NotAssigned;
        }
        return null;
    }
}
