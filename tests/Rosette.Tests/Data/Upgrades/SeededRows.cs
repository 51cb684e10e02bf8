using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace Rosette.Tests.Data.Upgrades;

/// <summary>
/// Rows written with plain SQL INSERTs, in the columns of the schema at the time (never through today's EF model), and
/// remembered so that after every later migration each can be read back and compared, column by column. Values are given
/// as .NET values and stored as each provider's EF mapping stores them (on SQLite: upper-case GUID text, UTC times as
/// text, booleans as 0/1).
/// </summary>
public sealed class SeededRows(DbConnection connection, bool postgres)
{
    private readonly List<Row> _rows = [];

    public bool IsPostgres { get; } = postgres;

    public sealed class Row(string table, string[] key, Dictionary<string, object?> values)
    {
        public string Table { get; } = table;

        /// <summary>The primary key's columns.</summary>
        public string[] Key { get; } = key;

        /// <summary>The value each column must hold; a migration that changes a column changes its expectation here.</summary>
        public Dictionary<string, object?> Values { get; } = values;
    }

    public IEnumerable<Row> In(string table) => _rows.Where(r => r.Table == table);

    /// <summary>Inserts a row whose first <paramref name="keyColumns"/> columns are its primary key.</summary>
    public async Task InsertAsync(string table, int keyColumns, params (string Column, object? Value)[] values)
    {
        await ExecuteAsync(table, values, returning: null);
        _rows.Add(new Row(table, values.Take(keyColumns).Select(v => v.Column).ToArray(), values.ToDictionary(v => v.Column, v => v.Value)));
    }

    public Task InsertAsync(string table, params (string Column, object? Value)[] values) => InsertAsync(table, 1, values);

    /// <summary>Inserts a row whose key <paramref name="identity"/> the database generates; returns it.</summary>
    public async Task<long> InsertGeneratedAsync(string table, string identity, params (string Column, object? Value)[] values)
    {
        var id = Convert.ToInt64(await ExecuteAsync(table, values, returning: identity), CultureInfo.InvariantCulture);
        _rows.Add(new Row(table, [identity], values.Append((identity, id)).ToDictionary(v => v.Item1, v => v.Item2)));
        return id;
    }

    /// <summary>Reads every remembered row back; returns what differs (an empty list when all is intact).</summary>
    public async Task<List<string>> DifferencesAsync()
    {
        var differences = new List<string>();
        foreach (var row in _rows)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{row.Table}\" WHERE " + string.Join(" AND ", row.Key.Select((c, i) => $"\"{c}\" = {Parameter(command, i, row.Values[c])}"));
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                differences.Add($"{row.Table} {Describe(row)}: missing");
                continue;
            }
            foreach (var (column, expected) in row.Values)
            {
                var ordinal = Ordinal(reader, column);
                if (ordinal < 0)
                {
                    differences.Add($"{row.Table} {Describe(row)}: no column {column}");
                }
                else if (!Same(expected, reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal)))
                {
                    differences.Add($"{row.Table} {Describe(row)}.{column}: expected {expected ?? "null"}, found {(reader.IsDBNull(ordinal) ? "null" : reader.GetValue(ordinal))}");
                }
            }
        }
        return differences;
    }

    private async Task<object?> ExecuteAsync(string table, (string Column, object? Value)[] values, string? returning)
    {
        await using var command = connection.CreateCommand();
        var parameters = values.Select((v, i) => Parameter(command, i, v.Value)).ToList();
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", values.Select(v => $"\"{v.Column}\""))}) VALUES ({string.Join(", ", parameters)})"
            + (returning is null ? "" : $" RETURNING \"{returning}\"");
        return await command.ExecuteScalarAsync();
    }

    private string Parameter(DbCommand command, int index, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = $"@p{index}";
        parameter.Value = Stored(value) ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }

    /// <summary>A value as the provider's EF mapping stores it.</summary>
    private object? Stored(object? value) => IsPostgres
        ? value switch
        {
            DateTimeOffset offset => offset.UtcDateTime,
            _ => value,
        }
        : value switch
        {
            Guid id => id.ToString().ToUpperInvariant(),
            DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
            DateTimeOffset offset => offset.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            bool flag => flag ? 1L : 0L,
            _ => value,
        };

    private static bool Same(object? expected, object? actual) => (expected, actual) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (Guid id, _) => id == (actual as Guid? ?? Guid.Parse(Convert.ToString(actual, CultureInfo.InvariantCulture)!)),
        (DateTime time, _) => time.ToUniversalTime() == ReadTime(actual),
        (DateTimeOffset offset, _) => offset.UtcDateTime == ReadTime(actual),
        (bool flag, _) => flag == (actual is bool b ? b : Convert.ToInt64(actual, CultureInfo.InvariantCulture) != 0),
        (int or long or double, _) => Convert.ToDouble(expected, CultureInfo.InvariantCulture) == Convert.ToDouble(actual, CultureInfo.InvariantCulture),
        (byte[] bytes, byte[] read) => bytes.AsSpan().SequenceEqual(read),
        _ => Equals(Convert.ToString(expected, CultureInfo.InvariantCulture), Convert.ToString(actual, CultureInfo.InvariantCulture)),
    };

    private static DateTime ReadTime(object actual) => actual switch
    {
        DateTime time => time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime(),
        DateTimeOffset offset => offset.UtcDateTime,
        _ => DateTimeOffset.Parse(Convert.ToString(actual, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime,
    };

    private static int Ordinal(DbDataReader reader, string column)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.GetName(i) == column)
            {
                return i;
            }
        }
        return -1;
    }

    private static string Describe(Row row) => string.Join("/", row.Key.Select(k => row.Values[k]));

    public static DbConnection Open(string provider, string connectionString) => provider == "postgres"
        ? new NpgsqlConnection(connectionString)
        : new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
}
