using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Classes;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public sealed record EnrollStudentsRequest(IReadOnlyList<Guid>? StudentIds);

public sealed class EnrollmentsHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    public const int MaxStudentsPerRequest = 20_000;

    /// <summary>Enrolls each student on its own: one outcome per student, never all-or-nothing.</summary>
    public async Task<Result<EnrollStudentsResult>> EnrollAsync(Actor actor, Guid classId, EnrollStudentsRequest request, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(classId);
        }
        if (!context.Access.CanManage)
        {
            return CommonErrors.Forbidden("Only administrators enroll students.");
        }
        var ids = request.StudentIds?.Distinct().ToList() ?? [];
        if (ids.Count == 0 || ids.Count > MaxStudentsPerRequest)
        {
            return InvalidError.Field("studentIds", InvalidError.ValidationFailed, $"'studentIds' must list between 1 and {MaxStudentsPerRequest} students.");
        }
        var candidates = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new { User = u, Organization = o })
            .ToDictionaryAsync(c => c.User.Id, cancellationToken);
        var existing = await db.Enrollments.Where(e => e.ClassId == classId && ids.Contains(e.StudentId))
            .ToDictionaryAsync(e => e.StudentId, cancellationToken);
        var now = clock.UtcNowSeconds();
        var enrolled = new List<Guid>();
        var failed = new List<EnrollmentFailure>();
        foreach (var id in ids)
        {
            candidates.TryGetValue(id, out var candidate);
            existing.TryGetValue(id, out var enrollment);
            if (Enrollment.WhyNot(actor, candidate?.User, candidate?.Organization, enrollment) is { } error)
            {
                failed.Add(new EnrollmentFailure(id, error.Code, error.Message));
                continue;
            }
            if (enrollment is null)
            {
                db.Enrollments.Add(Enrollment.Create(classId, id, now));
            }
            else
            {
                enrollment.Reactivate(now);
            }
            enrolled.Add(id);
        }
        if (enrolled.Count > 0)
        {
            var who = enrolled.Count == 1 ? $"{candidates[enrolled[0]].User.FullName} ({candidates[enrolled[0]].User.Email})" : $"{enrolled.Count} students";
            audit.Record(actor, AuditKind.StudentsEnrolled, context.Organization.Id, classId, $"Enrolled {who} in class '{context.Class.Name}'",
                new { enrolled = enrolled.Count, failed = failed.Count, studentIds = enrolled.Take(50) });
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() || e is DbUpdateConcurrencyException)
        {
            // Another request enrolled (or enrolled again) some of these students at the same moment: report the truth, per student.
            db.ChangeTracker.Clear();
            return await EnrollAsync(actor, classId, request, cancellationToken);
        }
        return new EnrollStudentsResult(enrolled, failed);
    }

    public async Task<Error?> UnenrollAsync(Actor actor, Guid classId, Guid studentId, CancellationToken cancellationToken)
    {
        var context = await db.LoadClassAsync(actor, classId, cancellationToken);
        if (context is null)
        {
            return ClassErrors.NotFound(classId);
        }
        if (!context.Access.CanManage)
        {
            return CommonErrors.Forbidden("Only administrators unenroll students.");
        }
        var enrollment = await db.Enrollments.SingleOrDefaultAsync(e => e.ClassId == classId && e.StudentId == studentId && e.IsActive, cancellationToken);
        if (enrollment is null)
        {
            return ClassErrors.NotEnrolled;
        }
        enrollment.Deactivate();
        var student = await db.Users.AsNoTracking().Where(u => u.Id == studentId).Select(u => new { u.FirstName, u.LastName, u.Email }).SingleAsync(cancellationToken);
        audit.Record(actor, AuditKind.StudentUnenrolled, context.Organization.Id, classId,
            $"Unenrolled {PersonName.Full(student.FirstName, student.LastName)} ({student.Email}) from class '{context.Class.Name}'", new { studentId });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Unenrolled by a concurrent request a moment ago (which audited it): no longer enrolled.
            return ClassErrors.NotEnrolled;
        }
        return null;
    }

    /// <summary>The actively enrolled students the actor may see, one page at a time.</summary>
    public async Task<Result<RosterResult>> RosterAsync(Actor actor, Guid classId, PageRequest paging, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, paging, ClassErrors.RosterForbidden, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var context = loaded.Value;
        var page = await paging.ToPageAsync(db.RosterQuery(context, paging.Term), s => s, cancellationToken);
        return new RosterResult(classId, page.Items, page.Page, page.PageSize, page.Total);
    }

    /// <summary>Which of these students are actively enrolled in the class (for marks beside search results).</summary>
    public async Task<HashSet<Guid>> EnrolledAmongAsync(Guid classId, IReadOnlyCollection<Guid> studentIds, CancellationToken cancellationToken) =>
        studentIds.Count == 0
            ? []
            : (await db.Enrollments.Where(e => e.ClassId == classId && e.IsActive && studentIds.Contains(e.StudentId))
                .Select(e => e.StudentId).ToListAsync(cancellationToken)).ToHashSet();
}
