using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Rosette.Data;

namespace Rosette.Tests.Data;

/// <summary>
/// <see cref="SqliteRows"/> reads what Microsoft.Data.Sqlite's reader reads from the same rows, binds by name, sees its
/// connection's transaction, and waits for a busy database as Microsoft.Data.Sqlite does. SQLite only, on a file of its own.
/// </summary>
public sealed class SqliteRowsTests : IDisposable
{
    private static readonly Guid Id = Guid.Parse("5f1d2c3b-4a59-4e68-9d7c-0b1a2f3e4d5c");

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"rosette-rows-{Guid.NewGuid():N}.db");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _file, Pooling = false }.ToString();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task Values_AreReadAsMicrosoftDataSqliteReadsThem()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (n INTEGER, g, s, d, i, v)");
        var rows = new (string Guid, string Text, string Time, long Number)[]
        {
            (Id.ToString().ToUpperInvariant(), "", "2026-12-07 10:00:00.1234567", 0), // as EF Core stores them
            (Id.ToString(), "Über 语", "2026-12-07 10:00:00", 1), // no fraction: EF Core's form drops it
            ($"{{{Id}}}", "plain", "2026-12-07 10:00:00.5", int.MaxValue), // a GUID in braces, a trimmed fraction
            (Id.ToString("N"), new string('x', 200), "2026-12-07T10:00:00", -1), // not EF Core's forms: parsed all the same
        };
        for (var n = 0; n < rows.Length; n++)
        {
            await ExecuteAsync(connection, "INSERT INTO t VALUES (@n, @g, @s, @d, @i, @v)",
                ("@n", n), ("@g", rows[n].Guid), ("@s", rows[n].Text), ("@d", rows[n].Time), ("@i", rows[n].Number), ("@v", rows[n].Text));
        }
        await ExecuteAsync(connection, "INSERT INTO t VALUES (4, @g, 'blob', '2026-12-07 10:00:00', 5, NULL)", ("@g", Id.ToByteArray()));
        await ExecuteAsync(connection, "INSERT INTO t VALUES (5, @g, 'values', '2026-12-07 10:00:00', 6, 2.5)", ("@g", Id.ToString()));
        await ExecuteAsync(connection, "INSERT INTO t VALUES (6, @g, 'values', '2026-12-07 10:00:00', 7, @v)", ("@g", Id.ToString()), ("@v", new byte[] { 1, 2, 3 }));

        const string sql = "SELECT g, s, d, i, v FROM t ORDER BY n";
        var read = await SqliteRows.ReadAsync(connection, sql, [], row =>
            (row.GetGuid(0), row.GetString(1), row.GetDateTime(2), row.GetInt64(3), row.GetInt32(3), row.GetBoolean(3), row.GetValue(4)));

        var expected = new List<(Guid, string, DateTime, long, int, bool, object)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add((reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2), reader.GetInt64(3), reader.GetInt32(3), reader.GetBoolean(3), reader.GetValue(4)));
            }
        }
        Assert.Equal(7, read.Count);
        Assert.Equal(expected.Select(Comparable), read.Select(Comparable));
        Assert.Equal(expected.Select(r => r.Item3.Kind), read.Select(r => r.Item3.Kind));
        Assert.All(read, r => Assert.Equal(Id, r.Item1));
        Assert.Equal(new DateTime(2026, 12, 7, 10, 0, 0).AddTicks(1_234_567), read[0].Item3);
        Assert.Equal([typeof(string), typeof(string), typeof(string), typeof(string), typeof(DBNull), typeof(double), typeof(byte[])],
            read.Select(r => r.Item7.GetType()));
    }

    /// <summary>
    /// Values are read by their bytes first and their type only when the bytes leave it open (<see cref="SqliteRows"/>): NULL
    /// is still refused where 0, "" and a number's digits are read, and text of a blob's length is not taken for a blob.
    /// </summary>
    [Fact]
    public async Task Null_IsRefused_WhereZeroEmptyTextAndNumbersAreRead_AndTextIsNeverTakenForABlob()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (n INTEGER, g, s, d, i)");
        await ExecuteAsync(connection, "INSERT INTO t VALUES (0, NULL, NULL, NULL, NULL), (1, 'sixteen-chars-ab', 42, '', 0), (2, @g, '', 'not a time', 7)", ("@g", Id.ToByteArray()));
        const string sql = "SELECT g, s, d, i FROM t ORDER BY n";

        await Assert.ThrowsAsync<InvalidCastException>(() => SqliteRows.ReadAsync(connection, sql + " LIMIT 1", [], row => row.GetGuid(0)));
        await Assert.ThrowsAsync<InvalidCastException>(() => SqliteRows.ReadAsync(connection, sql + " LIMIT 1", [], row => row.GetString(1)));
        await Assert.ThrowsAsync<InvalidCastException>(() => SqliteRows.ReadAsync(connection, sql + " LIMIT 1", [], row => row.GetDateTime(2)));
        await Assert.ThrowsAsync<InvalidCastException>(() => SqliteRows.ReadAsync(connection, sql + " LIMIT 1", [], row => row.GetInt64(3)));

        var read = await SqliteRows.ReadAsync(connection, sql + " LIMIT 2 OFFSET 1", [], row => (Text: row.GetString(1), Number: row.GetInt64(3), Empty: row.GetString(2)));
        Assert.Equal([("42", 0L, ""), ("", 7L, "not a time")], read);
        // Sixteen characters are text, whatever their length: not a GUID, as Microsoft.Data.Sqlite says.
        var sixteen = await SqliteRows.ReadAsync(connection, "SELECT g FROM t WHERE n = 1", [], row => row.GetString(0));
        Assert.Equal("sixteen-chars-ab", Assert.Single(sixteen));
        await Assert.ThrowsAsync<FormatException>(() => SqliteRows.ReadAsync(connection, "SELECT g FROM t WHERE n = 1", [], row => row.GetGuid(0)));
        Assert.Equal(Id, Assert.Single(await SqliteRows.ReadAsync(connection, "SELECT g FROM t WHERE n = 2", [], row => row.GetGuid(0))));
        await Assert.ThrowsAsync<FormatException>(() => SqliteRows.ReadAsync(connection, "SELECT d FROM t WHERE n = 2", [], row => row.GetDateTime(0)));
    }

    [Fact]
    public async Task Parameters_AreBoundByName_AndTheQueryReadsInTheConnectionsTransaction()
    {
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "CREATE TABLE t (n INTEGER, s TEXT)");
        await ExecuteAsync(connection, "BEGIN; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'b');");

        var read = await SqliteRows.ReadAsync(connection, "SELECT n FROM t WHERE s = @s AND n > @n ORDER BY n", [("n", 1L), ("s", "b")], row => row.GetInt32(0));

        Assert.Equal([2, 3], read);
        // UTF-8 is bound as text, not as a blob: json_each reads it as JSON text (a blob would be JSONB), and it equals 'b'.
        var utf8 = await SqliteRows.ReadAsync(connection, "SELECT n FROM t WHERE s IN (SELECT value FROM json_each(@s)) AND typeof(@s) = 'text' ORDER BY n",
            [("s", new ReadOnlyMemory<byte>("[\"b\"]"u8.ToArray()))], row => row.GetInt32(0));
        Assert.Equal([2, 3], utf8);
        await Assert.ThrowsAsync<NotSupportedException>(() => SqliteRows.ReadAsync(connection, "SELECT @s", [("s", new byte[] { 1 })], row => row.GetInt32(0)));
        await Assert.ThrowsAsync<ArgumentException>(() => SqliteRows.ReadAsync(connection, "SELECT n FROM t WHERE s = @s", [("t", "b")], row => row.GetInt32(0)));
        await ExecuteAsync(connection, "ROLLBACK");
        Assert.Empty(await SqliteRows.ReadAsync(connection, "SELECT n FROM t", [], row => row.GetInt32(0)));
    }

    [Fact]
    public async Task ABusyDatabase_IsWaitedFor_UntilTheConnectionsTimeout()
    {
        await using (var setup = await OpenAsync())
        {
            await ExecuteAsync(setup, "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2);");
        }
        await using var writer = await OpenAsync();
        await using var reader = await OpenAsync(defaultTimeout: 1);
        await using var patient = await OpenAsync(defaultTimeout: 30);
        Assert.Equal([1, 2], await SqliteRows.ReadAsync(patient, "SELECT n FROM t ORDER BY n", [], row => row.GetInt32(0))); // its schema is read
        // An EXCLUSIVE lock, as a writer holds it while it commits to a rollback journal: no reader may start meanwhile.
        await ExecuteAsync(writer, "BEGIN EXCLUSIVE; INSERT INTO t VALUES (3);");

        // A new connection is refused when it prepares the query (reading the schema), once its timeout of 1 s has passed.
        var asked = Stopwatch.GetTimestamp();
        var refused = await Assert.ThrowsAsync<SqliteException>(() => SqliteRows.ReadAsync(reader, "SELECT n FROM t", [], row => row.GetInt32(0)));
        Assert.Equal(5, refused.SqliteErrorCode); // SQLITE_BUSY
        Assert.True(Stopwatch.GetElapsedTime(asked) >= TimeSpan.FromSeconds(1)); // a lower bound: it tried again meanwhile

        // One that knows the schema is refused at its first step; it waits, and reads once the writer has committed.
        var waiting = SqliteRows.ReadAsync(patient, "SELECT n FROM t ORDER BY n", [], row => row.GetInt32(0));
        Assert.False(waiting.IsCompleted);
        await ExecuteAsync(writer, "COMMIT");
        Assert.Equal([1, 2, 3], await waiting);
    }

    /// <summary>An array compares by reference: its bytes as text instead.</summary>
    private static (Guid, string, DateTime, long, int, bool, object) Comparable((Guid, string, DateTime, long, int, bool, object) row) =>
        row with { Item7 = row.Item7 is byte[] bytes ? Convert.ToHexString(bytes) : row.Item7 };

    private async Task<SqliteConnection> OpenAsync(int defaultTimeout = 30)
    {
        var connection = new SqliteConnection(ConnectionString) { DefaultTimeout = defaultTimeout };
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }
}
