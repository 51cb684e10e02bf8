using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

/// <summary>Loads a class with what the actor may do in it, in one round trip.</summary>
public static class ClassAccessQuery
{
    /// <summary>Null when the actor may not see the class.</summary>
    public static async Task<ClassContext?> LoadClassAsync(this RosetteDb db, Actor actor, Guid classId, CancellationToken cancellationToken)
    {
        var row = await db.Classes.AsNoTracking()
            .Where(c => c.Id == classId)
            .Join(db.Organizations, c => c.OrganizationId, o => o.Id, (c, o) => new
            {
                Class = c,
                Organization = o,
                AssignedAs = db.ClassInstructors.Where(i => i.ClassId == c.Id && i.UserId == actor.UserId).Select(i => (InstructorKind?)i.Kind).FirstOrDefault(),
                Enrolled = db.Enrollments.Any(e => e.ClassId == c.Id && e.StudentId == actor.UserId && e.IsActive),
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }
        var access = ClassAccess.For(actor, row.Organization, row.AssignedAs, row.Enrolled);
        return access.CanSeeClass ? new ClassContext(row.Class, row.Organization, access) : null;
    }

    /// <summary>
    /// The class for an actor who teaches it: class_not_found when they may not see it, <paramref name="forbidden"/> when they
    /// see it but do not teach it.
    /// </summary>
    public static async Task<Result<ClassContext>> LoadClassToTeachAsync(this RosetteDb db, Actor actor, Guid classId, Error forbidden, CancellationToken cancellationToken) =>
        await db.LoadClassAsync(actor, classId, cancellationToken) switch
        {
            null => ClassErrors.NotFound(classId),
            { Access.CanTeach: false } => forbidden,
            var context => context,
        };

    /// <summary>The same for a paged read of the class: invalid paging is refused first, before the class is loaded.</summary>
    public static async Task<Result<ClassContext>> LoadClassToTeachAsync(
        this RosetteDb db, Actor actor, Guid classId, PageRequest paging, Error forbidden, CancellationToken cancellationToken) =>
        paging.Validate() is { } invalid ? invalid : await db.LoadClassToTeachAsync(actor, classId, forbidden, cancellationToken);
}
