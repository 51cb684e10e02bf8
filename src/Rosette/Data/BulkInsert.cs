using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;

namespace Rosette.Data;

/// <summary>
/// Set-based inserts for large batches, inside the caller's transaction. Columns, names and value conversions come from
/// the EF model, so a row is stored exactly as EF would store it. With <c>ignoreConflicts</c>, rows that a unique index
/// refuses are skipped (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike) and the keys of the rows actually
/// inserted are returned: the database decides races. <see cref="UpsertAsync"/> takes its own ON CONFLICT clause.
/// </summary>
/// <remarks>
/// On SQLite, multi-row INSERT statements prepared once and reused, driven through the native API, binding by position:
/// ADO.NET binds by name, and SQLite's name lookup is linear, which makes statements with thousands of parameters
/// quadratic. On PostgreSQL, a binary COPY when conflicts are not ignored; otherwise one array parameter per column,
/// unnested into rows, with ON CONFLICT.
/// </remarks>
public static class BulkInsert
{
    public static async Task<HashSet<TKey>> InsertAsync<T, TKey>(
        this RosetteDb db, IReadOnlyList<T> rows, bool ignoreConflicts, Func<T, TKey> key, CancellationToken cancellationToken)
        where T : class
        where TKey : notnull
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var inserted = new HashSet<TKey>(ignoreConflicts ? 0 : rows.Count);
        var target = Target.Of<T>(db);
        var returned = await WriteAsync(db, target, rows, ignoreConflicts ? $"ON CONFLICT DO NOTHING RETURNING \"{target.KeyName}\"" : null, cancellationToken);
        if (!ignoreConflicts)
        {
            foreach (var row in rows)
            {
                inserted.Add(key(row));
            }
            return inserted;
        }
        var converter = target.KeyColumn.GetTypeMapping().Converter;
        foreach (var value in returned)
        {
            // SQLite hands keys back as text: GUIDs and integer keys (activity events) are parsed back.
            inserted.Add(typeof(TKey) == typeof(Guid) && value is string text ? (TKey)(object)Guid.Parse(text)
                : typeof(TKey) == typeof(long) && value is string number ? (TKey)(object)long.Parse(number, CultureInfo.InvariantCulture)
                : (TKey)(converter is null ? value : converter.ConvertFromProvider(value))!);
        }
        return inserted;
    }

    /// <summary>
    /// Inserts the rows; a row that the primary key refuses runs <paramref name="onConflict"/> instead, an
    /// <c>ON CONFLICT (...) DO UPDATE ...</c> clause in the syntax SQLite and PostgreSQL share (<c>excluded</c> is the new row).
    /// </summary>
    public static Task UpsertAsync<T>(this RosetteDb db, IReadOnlyList<T> rows, string onConflict, CancellationToken cancellationToken)
        where T : class =>
        rows.Count == 0 ? Task.CompletedTask : WriteAsync(db, Target.Of<T>(db), rows, onConflict, cancellationToken);

    private sealed record Target(string Table, IProperty KeyColumn, string KeyName, List<Column> Columns)
    {
        /// <summary>Each entity type's target, built once per model: its columns' readers are compiled.</summary>
        private static readonly ConcurrentDictionary<IEntityType, Target> Built = new();

        public static Target Of<T>(RosetteDb db) =>
            Built.GetOrAdd(db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped."), Build);

        private static Target Build(IEntityType entity)
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            // Integer keys are the database's to number, as are the columns EF never writes (an enrollment's copy of its
            // student); every other value, Guid keys included, is the row's own.
            var columns = entity.GetProperties()
                .Where(p => !(p.IsKey() && p.ValueGenerated == ValueGenerated.OnAdd && (p.ClrType == typeof(long) || p.ClrType == typeof(int))))
                .Where(p => p.GetBeforeSaveBehavior() == PropertySaveBehavior.Save)
                .Select(p => Column.Of(p, table))
                .ToList();
            // RETURNING reads back a single-column key; composite keys are fine when conflicts are not ignored.
            var key = entity.FindPrimaryKey()!.Properties[0];
            return new Target(table.Name, key, key.GetColumnName(table)!, columns);
        }
    }

    private static async Task<List<object>> WriteAsync<T>(RosetteDb db, Target target, IReadOnlyList<T> rows, string? onConflict, CancellationToken cancellationToken)
        where T : class
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bulk inserts run inside the caller's transaction.");
        if (!db.IsPostgres)
        {
            return InsertSqlite((SqliteConnection)transaction.Connection!, target.Table, target.Columns, rows, onConflict);
        }
        if (onConflict is null)
        {
            await CopyPostgresAsync((NpgsqlConnection)transaction.Connection!, target.Table, target.Columns, rows, cancellationToken);
            return [];
        }
        return await InsertPostgresAsync(transaction, target.Table, target.Columns, rows, onConflict, cancellationToken);
    }

    /// <summary>
    /// A column of the target table. A row's value, as the database receives it, is read by a delegate compiled once from the
    /// property and its value converter: reading it boxes nothing, where EF's getter and converter box every value.
    /// </summary>
    private abstract class Column(IProperty property, string name, string storeType)
    {
        public IProperty Property { get; } = property;

        public string Name { get; } = name;

        public string StoreType { get; } = storeType;

        /// <summary>The CLR type of the values the database receives: after conversion, nullable when the column is.</summary>
        public abstract Type ProviderType { get; }

        /// <summary>The value, boxed: for PostgreSQL, whose writers take objects or arrays.</summary>
        public abstract object? ProviderValue(object row);

        /// <summary>This column's parameters in a reused SQLite statement of <paramref name="rowCount"/> rows.</summary>
        public abstract SqliteParameters ForSqlite(int rowCount);

        public static Column Of(IProperty property, StoreObjectIdentifier table)
        {
            var converter = property.GetTypeMapping().Converter;
            var clrType = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            var providerType = converter?.ProviderClrType ?? clrType;
            if (providerType.IsValueType && property.IsNullable)
            {
                providerType = typeof(Nullable<>).MakeGenericType(providerType);
            }
            var row = Expression.Parameter(typeof(object), "row");
            var value = ValueOf(property, Expression.Convert(row, property.DeclaringType.ClrType));
            Expression provided = value;
            if (converter is not null)
            {
                // EF never hands a converter null: a null stays null, whatever the converter makes of values.
                var convert = converter.ConvertToProviderExpression;
                var present = value.Type == convert.Parameters[0].Type ? value : Expression.Convert(value, convert.Parameters[0].Type);
                Expression converted = Expression.Convert(Expression.Invoke(convert, present), providerType);
                provided = value.Type.IsValueType && Nullable.GetUnderlyingType(value.Type) is null
                    ? converted
                    : Expression.Condition(Expression.Equal(value, Expression.Constant(null, value.Type)), Expression.Constant(null, providerType), converted);
            }
            var get = Expression.Lambda(typeof(Func<,>).MakeGenericType(typeof(object), providerType), Expression.Convert(provided, providerType), row).Compile();
            return (Column)Activator.CreateInstance(typeof(Column<>).MakeGenericType(providerType), property, property.GetColumnName(table)!, property.GetColumnType(table), get)!;
        }

        private static Expression ValueOf(IProperty property, Expression entity) =>
            property.IsShadowProperty() || property.GetMemberInfo(forMaterialization: false, forSet: false) is not { } member
                ? Expression.Convert(
                    Expression.Call(Expression.Constant(property.GetGetter()), typeof(IClrPropertyGetter).GetMethod(nameof(IClrPropertyGetter.GetClrValueUsingContainingEntity))!, entity),
                    property.ClrType)
                : Expression.MakeMemberAccess(entity, member);
    }

    private sealed class Column<TValue>(IProperty property, string name, string storeType, Func<object, TValue> get) : Column(property, name, storeType)
    {
        public override Type ProviderType => typeof(TValue);

        public override object? ProviderValue(object row) => get(row);

        public override SqliteParameters ForSqlite(int rowCount) => new SqliteParameters<TValue>(get, rowCount);
    }

    /// <summary>
    /// One column's parameters in a reused SQLite statement, and what each holds: a statement keeps its parameters' values
    /// across sqlite3_reset, and a new one holds NULL in each, so a value equal to the one its parameter holds is not bound
    /// again. A batch's rows share most of their values (its time, class, issuer, batch, the nulls): binding every value took
    /// a third of its insert.
    /// </summary>
    private abstract class SqliteParameters
    {
        public abstract void Bind(SqliteConnection connection, sqlite3_stmt statement, int parameter, int row, object value);
    }

    private sealed class SqliteParameters<TValue>(Func<object, TValue> get, int rowCount) : SqliteParameters
    {
        private readonly TValue[] _held = new TValue[rowCount];
        private readonly bool[] _bound = new bool[rowCount];

        public override void Bind(SqliteConnection connection, sqlite3_stmt statement, int parameter, int row, object value)
        {
            var current = get(value);
            if (Holds(_bound[row], _held[row], current))
            {
                return;
            }
            SqliteException.ThrowExceptionForRC(BindValue(statement, parameter, current), connection.Handle);
            _held[row] = current;
            _bound[row] = true;
        }
    }

    private static string Sql(string table, List<Column> columns, int rowCount, string? onConflict, Func<int, string> parameter)
    {
        var sql = new StringBuilder("INSERT INTO \"").Append(table).Append("\" (");
        sql.AppendJoin(", ", columns.Select(c => $"\"{c.Name}\"")).Append(") VALUES ");
        for (var r = 0; r < rowCount; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                sql.Append(c == 0 ? "" : ", ").Append(parameter(r * columns.Count + c));
            }
            sql.Append(')');
        }
        if (onConflict is not null)
        {
            sql.Append(' ').Append(onConflict);
        }
        return sql.ToString();
    }

    private static List<object> InsertSqlite<T>(SqliteConnection connection, string table, List<Column> columns, IReadOnlyList<T> rows, string? onConflict)
        where T : class
    {
        const int rowsPerStatement = 64;
        var returned = new List<object>();
        sqlite3_stmt? full = null;
        var fullParameters = columns.Select(c => c.ForSqlite(rowsPerStatement)).ToArray();
        try
        {
            for (var offset = 0; offset < rows.Count; offset += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - offset);
                var statement = count == rowsPerStatement && full is not null ? full : Prepare(connection, Sql(table, columns, count, onConflict, i => $"?{i + 1}"));
                full ??= count == rowsPerStatement ? statement : null;
                var parameters = statement == full ? fullParameters : columns.Select(c => c.ForSqlite(count)).ToArray();
                for (var r = 0; r < count; r++)
                {
                    var row = rows[offset + r];
                    for (var c = 0; c < columns.Count; c++)
                    {
                        parameters[c].Bind(connection, statement, r * columns.Count + c + 1, r, row);
                    }
                }
                try
                {
                    int rc;
                    while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                    {
                        returned.Add(raw.sqlite3_column_text(statement, 0).utf8_to_string());
                    }
                    if (rc != raw.SQLITE_DONE)
                    {
                        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
                    }
                    raw.sqlite3_reset(statement);
                }
                finally
                {
                    if (statement != full)
                    {
                        statement.Dispose();
                    }
                }
            }
        }
        finally
        {
            full?.Dispose();
        }
        return returned;
    }

    /// <summary>
    /// Whether a parameter already binds <paramref name="value"/> exactly as <see cref="BindValue"/> would: it holds NULL until
    /// first <paramref name="bound"/>, then <paramref name="held"/>.
    /// </summary>
    private static bool Holds<TValue>(bool bound, TValue held, TValue value)
    {
        if (value is null)
        {
            return !bound || held is null;
        }
        if (!bound || held is null || Is(value, out double _) || value is byte[])
        {
            return false; // -0.0 equals 0.0; an array is compared by reference, and its contents may have changed since
        }
        return Is(value, out DateTimeOffset time)
            ? Is(held, out DateTimeOffset other) && time.EqualsExact(other) // the offset is in its text
            : EqualityComparer<TValue>.Default.Equals(held, value); // a DateTime's kind is not in its text
    }

    /// <summary>Whether <paramref name="value"/> is a <typeparamref name="TTarget"/> or a non-null one of its nullable form; no boxing.</summary>
    private static bool Is<TValue, TTarget>(TValue value, out TTarget target)
        where TTarget : struct
    {
        if (typeof(TValue) == typeof(TTarget))
        {
            target = Unsafe.As<TValue, TTarget>(ref value);
            return true;
        }
        if (typeof(TValue) == typeof(TTarget?) && Unsafe.As<TValue, TTarget?>(ref value) is { } present)
        {
            target = present;
            return true;
        }
        target = default;
        return false;
    }

    private static sqlite3_stmt Prepare(SqliteConnection connection, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        return statement;
    }

    /// <summary>
    /// Binds as Microsoft.Data.Sqlite would (and so as EF Core stores): GUIDs upper-case text, times as ISO text. GUIDs, times
    /// and text of up to 128 bytes are written as UTF-8 straight into a buffer on the stack, which SQLite copies: no string, no
    /// upper-case copy of it and no UTF-8 array per value (a batch binds hundreds of thousands of them). Returns SQLite's
    /// result code.
    /// </summary>
    private static int BindValue<TValue>(sqlite3_stmt statement, int index, TValue value)
    {
        Span<byte> utf8 = stackalloc byte[128];
        return value is null ? raw.sqlite3_bind_null(statement, index)
            : Is(value, out Guid guid) ? raw.sqlite3_bind_text(statement, index, UpperCase(guid, utf8))
            : Is(value, out DateTime time) ? raw.sqlite3_bind_text(statement, index, Formatted(time, TimeFormat, utf8))
            : Is(value, out DateTimeOffset offsetTime) ? raw.sqlite3_bind_text(statement, index, Formatted(offsetTime, TimeOffsetFormat, utf8))
            : Is(value, out bool flag) ? raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0)
            : Is(value, out int number) ? raw.sqlite3_bind_int64(statement, index, number)
            : Is(value, out long large) ? raw.sqlite3_bind_int64(statement, index, large)
            : Is(value, out double real) ? raw.sqlite3_bind_double(statement, index, real)
            : value is string text ? Encoding.UTF8.TryGetBytes(text, utf8, out var length)
                ? raw.sqlite3_bind_text(statement, index, utf8[..length])
                : raw.sqlite3_bind_text(statement, index, text)
            : value is byte[] bytes ? raw.sqlite3_bind_blob(statement, index, bytes)
            : throw new NotSupportedException($"Bulk insert cannot bind a {typeof(TValue).Name}.");
    }

    /// <summary>Microsoft.Data.Sqlite's text forms of times (EF Core's SQLite provider stores them so).</summary>
    internal const string TimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    internal const string TimeOffsetFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFFzzz";

    /// <summary>The GUID as Microsoft.Data.Sqlite binds it: "D" form, upper-case.</summary>
    internal static ReadOnlySpan<byte> UpperCase(Guid guid, Span<byte> utf8)
    {
        guid.TryFormat(utf8, out var written, "D");
        var text = utf8[..written];
        Ascii.ToUpperInPlace(text, out _);
        return text;
    }

    internal static ReadOnlySpan<byte> Formatted<TTime>(TTime time, string format, Span<byte> utf8)
        where TTime : IUtf8SpanFormattable
    {
        if (!time.TryFormat(utf8, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"A time did not fit the bulk insert's buffer: {time}.");
        }
        return utf8[..written];
    }

    /// <summary>
    /// Rows that need no ON CONFLICT go in one binary COPY, PostgreSQL's fastest way in: no statement to plan, no arrays to
    /// build and unnest, no speculative insertion. Constraints, indexes and foreign-key triggers apply as to an INSERT, so a
    /// refused row fails the COPY, and with it the caller's transaction.
    /// </summary>
    private static async Task CopyPostgresAsync<T>(NpgsqlConnection connection, string table, List<Column> columns, IReadOnlyList<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        // "character varying(32)" is written as "character varying": the length is the column's to check.
        var types = columns.Select(c => c.StoreType.Split('(')[0]).ToArray();
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            for (var c = 0; c < columns.Count; c++)
            {
                await (columns[c].ProviderValue(row) switch
                {
                    null => importer.WriteNullAsync(cancellationToken),
                    Guid guid => importer.WriteAsync(guid, types[c], cancellationToken),
                    string text => importer.WriteAsync(text, types[c], cancellationToken),
                    DateTime time => importer.WriteAsync(time, types[c], cancellationToken),
                    DateTimeOffset time => importer.WriteAsync(time, types[c], cancellationToken),
                    bool flag => importer.WriteAsync(flag, types[c], cancellationToken),
                    int number => importer.WriteAsync(number, types[c], cancellationToken),
                    long number => importer.WriteAsync(number, types[c], cancellationToken),
                    double number => importer.WriteAsync(number, types[c], cancellationToken),
                    byte[] bytes => importer.WriteAsync(bytes, types[c], cancellationToken),
                    var other => throw new NotSupportedException($"Bulk insert cannot copy a {other.GetType().Name}."),
                });
            }
        }
        await importer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// One statement per 10,000 rows with one array parameter per column, unnested into rows: PostgreSQL plans it in no
    /// time and Npgsql sends each array in one piece, where a VALUES list of thousands of parameters costs more to plan
    /// and bind than to insert.
    /// </summary>
    private static async Task<List<object>> InsertPostgresAsync<T>(
        DbTransaction transaction, string table, List<Column> columns, IReadOnlyList<T> rows, string? onConflict, CancellationToken cancellationToken)
        where T : class
    {
        const int rowsPerStatement = 10_000;
        var returned = new List<object>();
        var sql = new StringBuilder("INSERT INTO \"").Append(table).Append("\" (");
        sql.AppendJoin(", ", columns.Select(c => $"\"{c.Name}\"")).Append(") SELECT * FROM unnest(");
        sql.AppendJoin(", ", columns.Select((c, i) => $"${i + 1}::{c.StoreType}[]")).Append(')');
        if (onConflict is not null)
        {
            sql.Append(' ').Append(onConflict);
        }
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql.ToString();
        for (var offset = 0; offset < rows.Count; offset += rowsPerStatement)
        {
            var count = Math.Min(rowsPerStatement, rows.Count - offset);
            command.Parameters.Clear();
            foreach (var column in columns)
            {
                var values = Array.CreateInstance(column.ProviderType, count);
                for (var r = 0; r < count; r++)
                {
                    values.SetValue(column.ProviderValue(rows[offset + r]), r);
                }
                var parameter = new NpgsqlParameter { Value = values };
                if (TimeArrayType(column) is { } type)
                {
                    parameter.NpgsqlDbType = type;
                }
                command.Parameters.Add(parameter);
            }
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                returned.Add(reader.GetValue(0));
            }
        }
        return returned;
    }

    /// <summary>Times go as the column's kind of timestamp; every other array's type follows its CLR type, and the SQL casts it to the column's.</summary>
    private static NpgsqlDbType? TimeArrayType(Column column) =>
        column.StoreType.StartsWith("timestamp with time zone", StringComparison.Ordinal) ? NpgsqlDbType.Array | NpgsqlDbType.TimestampTz
        : column.StoreType.StartsWith("timestamp", StringComparison.Ordinal) ? NpgsqlDbType.Array | NpgsqlDbType.Timestamp
        : null;
}
