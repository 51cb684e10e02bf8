using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;

namespace Rosette.Features.Webhooks;

/// <summary>Finds an endpoint for one who may manage it (<see cref="WebhookRules.WhyNotManage"/>); outside one's scope it does not exist.</summary>
public static class WebhookEndpointLookup
{
    public static async Task<Result<WebhookEndpoint>> FindManageableEndpointAsync(this RosetteDb db, Actor actor, Guid id, bool tracked, CancellationToken cancellationToken)
    {
        var query = tracked ? db.WebhookEndpoints : db.WebhookEndpoints.AsNoTracking();
        var row = await (from e in query
                         where e.Id == id
                         join o in db.Organizations on e.OrganizationId equals o.Id
                         select new { Endpoint = e, o.Path }).SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return CommonErrors.NotFound("webhook_endpoint", id);
        }
        return WebhookRules.WhyNotManage(actor, row.Path, id, "webhook_endpoint") is { } error ? error : row.Endpoint;
    }
}
