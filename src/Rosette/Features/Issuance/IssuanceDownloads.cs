using Rosette.Data;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>An issuance result as CSV (through <see cref="CsvExport"/>, like every download), for whoever may read the result.</summary>
public static class IssuanceDownloads
{
    private static readonly string[] Header = ["outcome", "student", "email", "badge", "issued_at", "code", "description", "award_id", "expires_at"];

    public static IEndpointRouteBuilder MapIssuanceDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/badge-issuances/{batchId:guid}/result.csv", async (Guid batchId, HttpContext http, GetBatchResultHandler getResult, RosetteDb db, CancellationToken ct) =>
            {
                var result = await getResult.HandleAsync(http.GetActor(), batchId, ct);
                if (!result.IsSuccess)
                {
                    return http.ErrorPage(result.Error);
                }
                var view = await BatchResultView.LoadAsync(db, http.GetActor(), result.Value, null, int.MaxValue, ct);
                var rows = view.Issued.Select(i => new[] { "issued", i.StudentName, i.StudentEmail, i.BadgeName, CsvExport.Time(i.IssuedAt), "", "", i.AwardId.ToString(), null })
                    .Concat(view.Renewed.Select(r => new[] { "renewed", r.StudentName, r.StudentEmail, r.BadgeName, CsvExport.Time(r.RenewedAt), "", "", r.AwardId.ToString(),
                        r.ExpiresAt is { } expires ? CsvExport.Time(expires) : null }))
                    .Concat(view.Failed.Select(f => new[] { "failed", f.StudentName, f.StudentEmail, f.BadgeName, null, f.Code, f.Message, null, null }));
                return CsvExport.Result($"badge-issuance-{batchId}.csv", Header, rows.ToAsyncEnumerable(), row => row, ct);
            })
            .RequireAuthorization(Policies.SignedIn)
            .ExcludeFromDescription();
        return app;
    }
}
