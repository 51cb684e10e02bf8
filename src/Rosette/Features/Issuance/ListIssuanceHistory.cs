using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

/// <summary>One batch of a class's issuance history: who issued it, when, and its counts.</summary>
public sealed record IssuanceSummary(
    Guid Id, AwardSource Source, Guid? ClassId, Guid? CourseAssignmentId, Guid? IssuedById, string? IssuedByName, DateTime CreatedAt,
    int BadgeCount, int StudentCount, int IssuedCount, int FailedCount);

/// <summary>A class's issuance history, newest first (<c>search</c>: the issuer's name or email): for whoever may teach in the class.</summary>
public sealed class ListIssuanceHistoryHandler(RosetteDb db)
{
    public async Task<Result<Paged<IssuanceSummary>>> HandleAsync(Actor actor, Guid classId, PageRequest paging, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(actor, classId, paging, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var term = paging.Term;
        var rows = from b in db.IssuanceBatches.AsNoTracking()
                   where b.ClassId == classId
                   join u in db.Users on b.IssuedById equals u.Id into issuers
                   from u in issuers.DefaultIfEmpty()
                   // ?search= finds batches by their issuer's name or email.
                   where term == null || (u != null && u.SearchText.Contains(term))
                   orderby b.CreatedAt descending, b.Id descending
                   select new IssuanceSummary(b.Id, b.Source, b.ClassId, b.CourseAssignmentId, b.IssuedById,
                       u == null ? null : PersonName.Full(u.FirstName, u.LastName), b.CreatedAt, b.BadgeCount, b.StudentCount, b.IssuedCount, b.FailedCount);
        return await paging.ToPageAsync(rows, s => s, cancellationToken);
    }
}
