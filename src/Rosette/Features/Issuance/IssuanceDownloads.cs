using System.Globalization;
using CsvHelper;
using Rosette.Data;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>An issuance result as CSV (CsvHelper writes it: quoting, separators and all), for whoever may read the result.</summary>
public static class IssuanceDownloads
{
    private static readonly string[] Header = ["outcome", "student", "email", "badge", "issued_at", "code", "description", "award_id"];

    public static IEndpointRouteBuilder MapIssuanceDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/badge-issuances/{batchId:guid}/result.csv", async (Guid batchId, HttpContext http, IssuanceHistoryHandler history, RosetteDb db, CancellationToken ct) =>
            {
                var result = await history.GetResultAsync(http.GetActor(), batchId, ct);
                if (!result.IsSuccess)
                {
                    return http.ErrorPage(result.Error!);
                }
                var view = await IssuanceResultView.LoadAsync(db, result.Value, null, int.MaxValue, ct);
                var rows = view.Issued.Select(i => new[]
                    {
                        "issued", i.StudentName, i.StudentEmail, i.BadgeName, i.IssuedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), "", "", i.AwardId.ToString(),
                    })
                    .Concat(view.Failed.Select(f => new[] { "failed", f.StudentName, f.StudentEmail ?? "", f.BadgeName, "", f.Code, f.Message, "" }));
                return Results.Stream(async stream =>
                {
                    // Names are user input: a cell starting with = + - @ is escaped so that a spreadsheet never runs it.
                    await using var csv = CsvWriter.Create(stream, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
                    await csv.WriteRecordAsync(Header, ct);
                    foreach (var row in rows)
                    {
                        await csv.WriteRecordAsync(row, ct);
                    }
                    await csv.FlushAsync(ct);
                }, "text/csv; charset=utf-8", $"badge-issuance-{batchId}.csv");
            })
            .RequireAuthorization(Policies.SignedIn)
            .ExcludeFromDescription();
        return app;
    }
}
