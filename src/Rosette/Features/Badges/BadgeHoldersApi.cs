using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Badges;

public static class BadgeHoldersApi
{
    public static RouteGroupBuilder MapBadgeHoldersApi(this RouteGroupBuilder badges)
    {
        badges.MapGet("/{id:guid}/holders", async Task<Results<Ok<Paged<BadgeHolder>>, ProblemHttpResult>> (
                Guid id, [AsParameters] PageRequest paging, Actor actor, BadgeHoldersHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, id, paging, ct)).ToOk());
        badges.MapGet("/{id:guid}/holders/export", async Task<IResult> (Guid id, Actor actor, BadgeHoldersHandler handler, CancellationToken ct) =>
            {
                var rows = await handler.ExportAsync(actor, id, ct);
                return rows.IsSuccess
                    ? CsvExport.Result($"badge-{id}-holders.csv", BadgeHoldersHandler.CsvHeader, rows.Value, BadgeHoldersHandler.CsvFields, ct)
                    : rows.Error.ToProblem();
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return badges;
    }
}
