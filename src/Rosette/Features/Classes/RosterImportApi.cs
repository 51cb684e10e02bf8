using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public static class RosterImportApi
{
    public static RouteGroupBuilder MapRosterImportApi(this RouteGroupBuilder classes)
    {
        classes.MapPost("/{classId:guid}/roster-imports/preview", async Task<Results<Ok<RosterImportResult>, ProblemHttpResult>> (
                Guid classId, HttpRequest request, Actor actor, RosterImportHandler handler, CancellationToken ct) =>
            (await handler.PreviewAsync(actor, classId, await ReadAsync(request, ct), ct)).ToOk())
            .Accepts<string>("text/csv");
        classes.MapPost("/{classId:guid}/roster-imports", async Task<Results<Ok<RosterImportResult>, ProblemHttpResult>> (
                Guid classId, HttpRequest request, Actor actor, RosterImportHandler handler, CancellationToken ct) =>
            (await handler.ImportAsync(actor, classId, await ReadAsync(request, ct), ct)).ToOk())
            .Accepts<string>("text/csv");
        return classes;
    }

    private static async Task<string> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
