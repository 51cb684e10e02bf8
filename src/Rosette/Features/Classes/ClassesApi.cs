using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public sealed record ClassInstructorDto(Guid UserId, InstructorKind Kind);

public sealed record ClassDto(
    Guid Id, string Name, Guid OrganizationId, Guid? CourseId, DateTime? StartsAt, DateTime? EndsAt, DateTime CreatedAt,
    IReadOnlyList<ClassInstructorDto>? Instructors = null)
{
    public static ClassDto From(TrainingClass c, IReadOnlyList<ClassInstructorDto>? instructors = null) =>
        new(c.Id, c.Name, c.OrganizationId, c.CourseId, c.StartsAt, c.EndsAt, c.CreatedAt, instructors);
}

public sealed record CreateClassRequest(string? Name, Guid? OrganizationId, Guid? CourseId, DateTime? StartsAt, DateTime? EndsAt);

public sealed record UpdateClassRequest(string? Name, DateTime? StartsAt, DateTime? EndsAt);

public sealed record AssignInstructorRequest(InstructorKind? Kind);

public sealed class ClassesHandler(RosetteDb db, TimeProvider clock)
{
    private static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage classes.");

    public async Task<Result<ClassDto>> CreateAsync(Actor actor, CreateClassRequest request, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return AdministratorsOnly;
        }
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", "validation_failed", "'organizationId' is required.");
        }
        var created = TrainingClass.Create(request.Name, organizationId, request.CourseId, request.StartsAt, request.EndsAt, clock.UtcNowSeconds());
        if (!created.IsSuccess)
        {
            return created.Error!;
        }
        var organizations = db.Organizations.AdministeredBy(actor);
        if (!await organizations.AnyAsync(o => o.Id == organizationId, cancellationToken))
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        if (request.CourseId is { } courseId
            && !await db.Courses.AnyAsync(c => c.Id == courseId && organizations.Any(o => o.Id == c.OrganizationId), cancellationToken))
        {
            return CommonErrors.NotFound("course", courseId);
        }
        db.Classes.Add(created.Value);
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
            return CommonErrors.NotFound("class", id);
        }
        var instructors = context.Access.CanTeach
            ? await db.ClassInstructors.AsNoTracking().Where(i => i.ClassId == id).OrderBy(i => i.AssignedAt)
                .Select(i => new ClassInstructorDto(i.UserId, i.Kind)).ToListAsync(cancellationToken)
            : null;
        return ClassDto.From(context.Class, instructors);
    }

    public async Task<Result<ClassDto>> UpdateAsync(Actor actor, Guid id, UpdateClassRequest request, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, id, cancellationToken);
        if (context is null)
        {
            return CommonErrors.NotFound("class", id);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        var trainingClass = context.Class;
        db.Classes.Attach(trainingClass);
        if (trainingClass.Update(request.Name, request.StartsAt, request.EndsAt, clearDates: false) is { } error)
        {
            return error;
        }
        await db.SaveChangesAsync(cancellationToken);
        return ClassDto.From(trainingClass);
    }

    public async Task<Error?> AssignInstructorAsync(Actor actor, Guid classId, Guid userId, AssignInstructorRequest request, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return CommonErrors.NotFound("class", classId);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        if (request.Kind is not { } kind)
        {
            return InvalidError.Field("kind", "validation_failed", "'kind' is required: organization or contract.");
        }
        var candidate = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new { User = u, Organization = o })
            .SingleOrDefaultAsync(cancellationToken);
        if (ClassInstructor.WhyNot(actor, candidate?.User, candidate?.Organization, kind) is { } error)
        {
            return error;
        }
        var existing = await db.ClassInstructors.SingleOrDefaultAsync(i => i.ClassId == classId && i.UserId == userId, cancellationToken);
        if (existing is null)
        {
            db.ClassInstructors.Add(ClassInstructor.Create(classId, userId, kind, clock.UtcNowSeconds()));
        }
        else
        {
            existing.ChangeKind(kind);
        }
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
            return CommonErrors.NotFound("class", classId);
        }
        if (!context.Access.CanManage)
        {
            return AdministratorsOnly;
        }
        var removed = await db.ClassInstructors.Where(i => i.ClassId == classId && i.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        return removed == 0 ? ClassErrors.NotAssigned : null;
    }
}

public static class ClassesApi
{
    public static RouteGroupBuilder MapClassesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/classes").WithTags("Classes");
        group.MapPost("/", async Task<Results<Created<ClassDto>, ProblemHttpResult>> (
                CreateClassRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(c => $"/api/v1/classes/{c.Id}"));
        group.MapGet("/", async Task<Results<Ok<Paged<ClassDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk());
        group.MapGet("/{classId:guid}", async Task<Results<Ok<ClassDto>, ProblemHttpResult>> (
                Guid classId, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, classId, ct)).ToOk());
        group.MapPatch("/{classId:guid}", async Task<Results<Ok<ClassDto>, ProblemHttpResult>> (
                Guid classId, UpdateClassRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, classId, request, ct)).ToOk());
        group.MapPut("/{classId:guid}/instructors/{userId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid classId, Guid userId, AssignInstructorRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.AssignInstructorAsync(actor, classId, userId, request, ct)).ToNoContent());
        group.MapDelete("/{classId:guid}/instructors/{userId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid classId, Guid userId, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.RemoveInstructorAsync(actor, classId, userId, ct)).ToNoContent());
        group.MapEnrollmentsApi();
        return api;
    }
}
