using CsvHelper;
using Rosette.Domain;

namespace Rosette.Features.Classes;

/// <summary>A row of a roster file; <paramref name="Malformed"/> says what is wrong with its shape (quoting, values outside every column), or null.</summary>
public sealed record RosterCsvRow(int Line, string Email, string FirstName, string LastName, string? Organization, string? Malformed);

/// <summary>Reads a roster file with CsvHelper: a header row naming the columns (in any order), then one student a row.</summary>
public static class RosterCsv
{
    private static readonly Dictionary<string, string> Columns = new()
    {
        ["email"] = "email", ["emailaddress"] = "email", ["mail"] = "email",
        ["firstname"] = "first name", ["givenname"] = "first name",
        ["lastname"] = "last name", ["surname"] = "last name", ["familyname"] = "last name",
        ["organization"] = "organization", ["organisation"] = "organization", ["organizationname"] = "organization", ["org"] = "organization",
    };

    public static Result<IReadOnlyList<RosterCsvRow>> Parse(string csv, int maxRows)
    {
        // The file was read as UTF-8 (or as the encoding its byte order mark names); bytes that are not UTF-8 became U+FFFD.
        // A spreadsheet saved in a legacy code page (Windows-1252) would otherwise make people named "Jos�".
        if (csv.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return InvalidError.Field("file", "csv_not_utf8",
                "The file is not UTF-8 text (its accented letters would be lost): save it as \"CSV UTF-8\" and upload it again.");
        }
        var malformed = new HashSet<long>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            OnMalformedRecord = record => malformed.Add(record.RecordNumber),
        };
        using var reader = CsvReader.FromText(csv.TrimStart('\uFEFF'), options);
        var headers = reader.Headers.Select(h => Key(h)).ToList();
        int IndexOf(string column) => headers.FindIndex(h => Columns.GetValueOrDefault(h) == column);
        var (email, first, last, organization) = (IndexOf("email"), IndexOf("first name"), IndexOf("last name"), IndexOf("organization"));
        if (headers.Count == 0 || (headers.Count == 1 && headers[0].Length == 0))
        {
            return InvalidError.Field("file", "csv_empty", "The file is empty: it needs a header row (email, first name, last name, optional organization) and one row per student.");
        }
        var repeated = headers.Select(h => Columns.GetValueOrDefault(h)).OfType<string>().GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            return InvalidError.Field("file", "csv_repeated_columns",
                $"The header row names {string.Join(", ", repeated)} more than once: keep one column each, so that no value is dropped.");
        }
        var missing = new[] { ("email", email), ("first name", first), ("last name", last) }.Where(c => c.Item2 < 0).Select(c => c.Item1).ToList();
        if (missing.Count > 0)
        {
            return InvalidError.Field("file", "csv_missing_columns",
                $"The header row lacks the column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}. Expected: email, first name, last name, and optionally organization.");
        }
        var rows = new List<RosterCsvRow>();
        var recordNumber = 1L;
        while (reader.Read())
        {
            recordNumber++;
            string Field(int index) => index < 0 ? "" : reader.GetString(index).Trim();
            var row = new RosterCsvRow((int)reader.LineNumber, Field(email), Field(first), Field(last), organization < 0 ? null : Field(organization),
                malformed.Contains(recordNumber) ? "The row's quoting is broken: check its quotes."
                : ValuesBeyondHeader(reader, headers.Count) is > 0 and var extra ? $"The row has {headers.Count + extra} values but the header names {headers.Count} columns: put a value that contains a comma in double quotes."
                : null);
            if (row is { Email: "", FirstName: "", LastName: "", Organization: null or "", Malformed: null })
            {
                continue;
            }
            if (rows.Count == maxRows)
            {
                return InvalidError.Field("file", "csv_too_large", $"The file has more than {maxRows} rows: split it.");
            }
            rows.Add(row);
        }
        if (rows.Count == 0)
        {
            return InvalidError.Field("file", "csv_empty", "The file has a header row but no students.");
        }
        return rows;
    }

    /// <summary>
    /// How many values the record has past the header's last column, ignoring trailing empty fields (spreadsheets write
    /// those). A value there belongs to no column: usually a name with an unquoted comma, which shifts the row's values.
    /// </summary>
    private static int ValuesBeyondHeader(CsvReader reader, int columns)
    {
        var last = reader.FieldCount - 1;
        while (last >= columns && reader.GetString(last).Trim().Length == 0)
        {
            last--;
        }
        return Math.Max(0, last + 1 - columns);
    }

    private static string Key(string header) =>
        new([.. header.Trim().Trim('\uFEFF').ToLowerInvariant().Where(char.IsLetterOrDigit)]);
}
