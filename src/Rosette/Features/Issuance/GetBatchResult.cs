using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Classes;

namespace Rosette.Features.Issuance;

/// <summary>
/// A stored issuance result (a batch): visible to whoever issued it, may teach in its class, or administers its course
/// assignment (its course and its student: <see cref="ScopeQueries"/>, as the dashboard's last batches); its failures name
/// only the students and badges the caller may see.
/// </summary>
public sealed class GetBatchResultHandler(RosetteDb db)
{
    public async Task<Result<IssueBadgesResult>> HandleAsync(Actor actor, Guid batchId, CancellationToken cancellationToken)
    {
        var batch = await db.IssuanceBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId, cancellationToken);
        if (batch is null || !await CanSeeAsync(actor, batch, cancellationToken))
        {
            return CommonErrors.NotFound("badge_issuance", batchId);
        }
        return await BatchResultView.ForViewerAsync(db, actor, await IssueBadgesResult.LoadAsync(db, batchId, cancellationToken), cancellationToken);
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
        return await db.IssuanceBatches.AdministeredBy(db, actor).AnyAsync(b => b.Id == batch.Id, cancellationToken);
    }
}
