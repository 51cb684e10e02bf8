using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

/// <summary>batch.completed: an issuance request's counts, once it is written.</summary>
public sealed class BatchCompletedWebhooks(RosetteDb db, WebhookEventRecorder recorder) : IOutboxHandler
{
    public string Topic => OutboxTopics.BatchCompleted;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var batchId = message.Read<BatchCompleted>().BatchId;
        var batch = await (from b in db.IssuanceBatches.AsNoTracking()
                           where b.Id == batchId
                           let organizationId = b.ClassId != null
                               ? db.Classes.Where(c => c.Id == b.ClassId).Select(c => c.OrganizationId).FirstOrDefault()
                               : db.CourseAssignments.Where(a => a.Id == b.CourseAssignmentId).Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => c.OrganizationId).FirstOrDefault()
                           join o in db.Organizations on organizationId equals o.Id
                           select new { Batch = b, o.Id, o.Path }).SingleOrDefaultAsync(cancellationToken);
        if (batch is null)
        {
            return;
        }
        var written = batch.Batch;
        var data = new Dictionary<string, object?>
        {
            ["batchId"] = written.Id, ["organizationId"] = batch.Id, ["classId"] = written.ClassId, ["courseAssignmentId"] = written.CourseAssignmentId,
            ["source"] = written.Source.ToString(), ["issued"] = written.IssuedCount, ["renewed"] = written.RenewedCount, ["failed"] = written.FailedCount,
        };
        await recorder.RecordAsync(WebhookEventTypes.BatchCompleted,
            [new EventDraft(WebhookEvent.IdFor(WebhookEventTypes.BatchCompleted, written.Id.ToString()), batch.Id, batch.Path, written.Id, written.CreatedAt, data)], cancellationToken);
    }
}
