using System.Buffers.Text;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Rosette.Data;

/// <summary>The values of the row a query is reading, by column position, whichever database it reads.</summary>
public interface IRow
{
    Guid GetGuid(int column);

    string GetString(int column);

    DateTime GetDateTime(int column);

    bool GetBoolean(int column);

    int GetInt32(int column);

    long GetInt64(int column);

    /// <summary>The value as the provider gives it (for a converter's ConvertFromProvider).</summary>
    object GetValue(int column);
}

/// <summary>A row of an ADO.NET reader.</summary>
public sealed class ReaderRow(DbDataReader reader) : IRow
{
    public Guid GetGuid(int column) => reader.GetGuid(column);

    public string GetString(int column) => reader.GetString(column);

    public DateTime GetDateTime(int column) => reader.GetDateTime(column);

    public bool GetBoolean(int column) => reader.GetBoolean(column);

    public int GetInt32(int column) => reader.GetInt32(column);

    public long GetInt64(int column) => reader.GetInt64(column);

    public object GetValue(int column) => reader.GetValue(column);
}

/// <summary>
/// Reads a query's rows straight from SQLite's statement, for the reads of thousands of rows that the achievement worker
/// makes per batch: through Microsoft.Data.Sqlite each value costs several native calls and a string (a GUID, a time)
/// before it is parsed; here a GUID or a time is parsed from SQLite's own UTF-8 (docs/benchmarks.md, session 32). Values
/// read as Microsoft.Data.Sqlite reads what EF Core stores: GUIDs as text, times as ISO text. Runs in the connection's
/// current transaction, if any. Like Microsoft.Data.Sqlite, a database that is busy when the query starts is tried again
/// every 150 ms until the connection's <see cref="SqliteConnection.DefaultTimeout"/>.
/// </summary>
public static class SqliteRows
{
    private static readonly TimeSpan BusyPause = TimeSpan.FromMilliseconds(150);

    public static async Task<List<T>> ReadAsync<T>(
        SqliteConnection connection, string sql, IReadOnlyList<(string Name, object Value)> parameters, Func<IRow, T> read, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        sqlite3_stmt statement;
        int rc;
        // Preparing reads the schema, which a busy database may refuse as well.
        while (MayWait(rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out statement), connection, started))
        {
            statement.Dispose();
            await Task.Delay(BusyPause, cancellationToken);
        }
        using (statement)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
            foreach (var (name, value) in parameters)
            {
                Bind(connection, statement, name, value);
            }
            var row = new SqliteRow(statement);
            var rows = new List<T>();
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW || (rows.Count == 0 && MayWait(rc, connection, started)))
            {
                if (rc == raw.SQLITE_ROW)
                {
                    rows.Add(read(row));
                    continue;
                }
                raw.sqlite3_reset(statement);
                await Task.Delay(BusyPause, cancellationToken);
            }
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, connection.Handle);
            }
            return rows;
        }
    }

    /// <summary>Whether the database was busy (or a table locked), and the connection's timeout leaves time to try again.</summary>
    private static bool MayWait(int rc, SqliteConnection connection, long started) =>
        (rc & 0xFF) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED
        && (connection.DefaultTimeout == 0 || Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(connection.DefaultTimeout));

    private static void Bind(SqliteConnection connection, sqlite3_stmt statement, string name, object value)
    {
        var index = raw.sqlite3_bind_parameter_index(statement, "@" + name);
        if (index == 0)
        {
            throw new ArgumentException($"The query has no parameter @{name}.", nameof(name));
        }
        var rc = value switch
        {
            string text => raw.sqlite3_bind_text(statement, index, text),
            ReadOnlyMemory<byte> utf8 => raw.sqlite3_bind_text(statement, index, utf8.Span),
            long number => raw.sqlite3_bind_int64(statement, index, number),
            int number => raw.sqlite3_bind_int64(statement, index, number),
            _ => throw new NotSupportedException($"SqliteRows binds text (a string, or UTF-8 as ReadOnlyMemory<byte>) and integers, not a {value.GetType().Name}."),
        };
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    /// <summary>
    /// Each value is read with as few native calls as it takes: a value's bytes first (<c>sqlite3_column_blob</c> gives a
    /// text's UTF-8), and its type only when the bytes alone do not say what it is (empty: NULL or ""; 16 bytes that are not
    /// a GUID's text; an integer of 0). Each native call costs about 100 ns through SQLitePCLRaw: asking every value's type
    /// took a tenth of the achievement worker's CPU (docs/benchmarks.md, session 34).
    /// </summary>
    private sealed class SqliteRow(sqlite3_stmt statement) : IRow
    {
        public Guid GetGuid(int column)
        {
            var value = raw.sqlite3_column_blob(statement, column);
            if (Utf8Parser.TryParse(value, out Guid guid, out var consumed, 'D') && consumed == value.Length)
            {
                return guid;
            }
            return value.Length == 16 && raw.sqlite3_column_type(statement, column) == raw.SQLITE_BLOB ? new Guid(value) : new Guid(GetString(column));
        }

        /// <summary>A value's text, as SQLite converts it (a number's digits); NULL is refused.</summary>
        public string GetString(int column)
        {
            var value = raw.sqlite3_column_blob(statement, column);
            return value.Length > 0 ? Encoding.UTF8.GetString(value)
                : raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? throw new InvalidCastException($"Column {column} is NULL.")
                : "";
        }

        /// <summary>EF Core's form first (<see cref="BulkInsert.TimeFormat"/>), parsed without a string; any other as Microsoft.Data.Sqlite parses it.</summary>
        public DateTime GetDateTime(int column)
        {
            var utf8 = raw.sqlite3_column_blob(statement, column);
            Span<char> text = stackalloc char[64];
            return Encoding.UTF8.TryGetChars(utf8, text, out var length)
                && DateTime.TryParseExact(text[..length], BulkInsert.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                ? time
                : DateTime.Parse(GetString(column), CultureInfo.InvariantCulture);
        }

        public bool GetBoolean(int column) => GetInt64(column) != 0;

        public int GetInt32(int column) => checked((int)GetInt64(column));

        /// <summary>NULL reads as 0, so only a 0 asks for the type.</summary>
        public long GetInt64(int column) =>
            raw.sqlite3_column_int64(statement, column) is var value && (value != 0 || raw.sqlite3_column_type(statement, column) != raw.SQLITE_NULL)
                ? value
                : throw new InvalidCastException($"Column {column} is NULL.");

        public object GetValue(int column) => raw.sqlite3_column_type(statement, column) switch
        {
            raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, column),
            raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, column),
            raw.SQLITE_TEXT => raw.sqlite3_column_text(statement, column).utf8_to_string(),
            raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, column).ToArray(),
            _ => DBNull.Value,
        };
    }
}
