using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

public sealed record IssuanceSummary(
    Guid Id, AwardSource Source, Guid? ClassId, Guid? CourseAssignmentId, Guid? IssuedById, string? IssuedByName, DateTime CreatedAt,
    int BadgeCount, int StudentCount, int IssuedCount, int FailedCount);

/// <summary>Stored issuance results and a class's issuance history: visible to whoever may teach in the class (or issued it).</summary>
public sealed class IssuanceHistoryHandler(RosetteDb db)
{
    public async Task<Result<IssueBadgesResult>> GetResultAsync(Actor actor, Guid batchId, CancellationToken cancellationToken)
    {
        var batch = await db.IssuanceBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId, cancellationToken);
        if (batch is null || !await CanSeeAsync(actor, batch, cancellationToken))
        {
            return CommonErrors.NotFound("badge_issuance", batchId);
        }
        return await db.LoadResultAsync(batchId, cancellationToken);
    }

    public async Task<Result<Paged<IssuanceSummary>>> ClassHistoryAsync(Actor actor, Guid classId, PageRequest paging, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, paging, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var context = loaded.Value;
        var rows = from b in db.IssuanceBatches.AsNoTracking()
                   where b.ClassId == classId
                   join u in db.Users on b.IssuedById equals u.Id into issuers
                   from u in issuers.DefaultIfEmpty()
                   orderby b.CreatedAt descending, b.Id descending
                   select new IssuanceSummary(b.Id, b.Source, b.ClassId, b.CourseAssignmentId, b.IssuedById,
                       u == null ? null : PersonName.Full(u.FirstName, u.LastName), b.CreatedAt, b.BadgeCount, b.StudentCount, b.IssuedCount, b.FailedCount);
        return await paging.ToPageAsync(rows, s => s, cancellationToken);
    }

    private async Task<bool> CanSeeAsync(Actor actor, IssuanceBatch batch, CancellationToken cancellationToken)
    {
        if (actor.ApiKeyId is null ? batch.IssuedById == actor.UserId : batch.ApiKeyId == actor.ApiKeyId)
        {
            return true;
        }
        if (batch.ClassId is { } classId)
        {
            return (await db.LoadClassAsync(actor, classId, cancellationToken))?.Access.CanTeach == true;
        }
        var scope = db.Organizations.AdministeredBy(actor);
        return await db.CourseAssignments.AnyAsync(a => a.Id == batch.CourseAssignmentId
            && db.Courses.Any(c => c.Id == a.CourseId && scope.Any(o => o.Id == c.OrganizationId)), cancellationToken);
    }
}
