using System.Globalization;
using CsvHelper;
using Microsoft.Net.Http.Headers;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// CSV downloads (audit log, badge holders, issuance results), written with CsvHelper as rows are read, so an export
/// never holds the whole file in memory. Text that a spreadsheet would run as a formula is escaped (CSV injection).
/// </summary>
public static class CsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
    };

    public static async Task WriteAsync<T>(
        Stream destination, IReadOnlyList<string> header, IAsyncEnumerable<T> rows, Func<T, IEnumerable<string?>> fields, CancellationToken cancellationToken)
    {
        await using var writer = CsvWriter.Create(destination, Options, leaveOpen: true);
        foreach (var name in header)
        {
            writer.WriteField(name);
        }
        await writer.EndRecordAsync(cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            foreach (var field in fields(row))
            {
                writer.WriteField(field ?? "");
            }
            await writer.EndRecordAsync(cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// For the API: a streamed text/csv answer, offered as a download named <paramref name="fileName"/>; it stops reading
    /// rows when the request is aborted (<paramref name="cancellationToken"/>).
    /// </summary>
    public static IResult Result<T>(
        string fileName, IReadOnlyList<string> header, IAsyncEnumerable<T> rows, Func<T, IEnumerable<string?>> fields, CancellationToken cancellationToken) =>
        Results.Stream(stream => WriteAsync(stream, header, rows, fields, cancellationToken), ContentType, fileName);

    /// <summary>For pages: writes the download to the response itself.</summary>
    public static async Task WriteResponseAsync<T>(
        HttpResponse response, string fileName, IReadOnlyList<string> header, IAsyncEnumerable<T> rows, Func<T, IEnumerable<string?>> fields,
        CancellationToken cancellationToken)
    {
        response.ContentType = ContentType;
        response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName, FileName = fileName }.ToString();
        await WriteAsync(response.Body, header, rows, fields, cancellationToken);
    }

    public static string Time(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string? Time(DateTime? value) => value is { } v ? Time(v) : null;
}
