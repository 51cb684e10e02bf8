using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Rosette.Data;

/// <summary>
/// Set-based inserts for large batches: multi-row INSERT statements, prepared once and reused, inside the caller's
/// transaction. Columns, names and value conversions come from the EF model, so a row is stored exactly as EF would
/// store it. With <c>ignoreConflicts</c>, rows that a unique index refuses are skipped (ON CONFLICT DO NOTHING, on
/// SQLite and PostgreSQL alike) and the keys of the rows actually inserted are returned: the database decides races.
/// </summary>
public static class BulkInsert
{
    public static async Task<HashSet<TKey>> InsertAsync<T, TKey>(
        this RosetteDb db, IReadOnlyList<T> rows, bool ignoreConflicts, Func<T, TKey> key, CancellationToken cancellationToken)
        where T : class
        where TKey : notnull
    {
        var inserted = new HashSet<TKey>();
        if (rows.Count == 0)
        {
            return inserted;
        }
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        // Integer keys are the database's to number; every other value, Guid keys included, is the row's own.
        var columns = entity.GetProperties()
            .Where(p => !(p.IsKey() && p.ValueGenerated == ValueGenerated.OnAdd && (p.ClrType == typeof(long) || p.ClrType == typeof(int))))
            .ToList();
        var keyColumn = entity.FindPrimaryKey()!.Properties.Single();
        // Both engines cap the parameters of one statement (SQLite 32766, PostgreSQL 65535).
        var rowsPerStatement = Math.Max(1, Math.Min(db.IsPostgres ? 2000 : 1000, 30000 / columns.Count));
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bulk inserts run inside the caller's transaction.");
        DbCommand? full = null;
        try
        {
            for (var offset = 0; offset < rows.Count; offset += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - offset);
                var command = count == rowsPerStatement && full is not null
                    ? full
                    : CreateCommand(connection, transaction, table, columns, keyColumn, count, ignoreConflicts);
                if (count == rowsPerStatement && full is null)
                {
                    full = command;
                }
                for (var r = 0; r < count; r++)
                {
                    var row = rows[offset + r];
                    for (var c = 0; c < columns.Count; c++)
                    {
                        var property = columns[c];
                        var value = property.GetGetter().GetClrValueUsingContainingEntity(row);
                        var converter = property.GetTypeMapping().Converter;
                        command.Parameters[r * columns.Count + c].Value = (converter is null || value is null ? value : converter.ConvertToProvider(value)) ?? DBNull.Value;
                    }
                }
                if (ignoreConflicts)
                {
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        inserted.Add(ReadKey<TKey>(reader, keyColumn));
                    }
                }
                else
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    foreach (var row in rows.Skip(offset).Take(count))
                    {
                        inserted.Add(key(row));
                    }
                }
                if (command != full)
                {
                    await command.DisposeAsync();
                }
            }
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync();
            }
        }
        return inserted;
    }

    private static DbCommand CreateCommand(
        DbConnection connection, DbTransaction transaction, StoreObjectIdentifier table, List<IProperty> columns, IProperty keyColumn,
        int rowCount, bool ignoreConflicts)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder("INSERT INTO \"").Append(table.Name).Append("\" (");
        sql.AppendJoin(", ", columns.Select(c => $"\"{c.GetColumnName(table)}\"")).Append(") VALUES ");
        for (var r = 0; r < rowCount; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = $"@p{r * columns.Count + c}";
                sql.Append(c == 0 ? "" : ", ").Append(name);
                var parameter = columns[c].GetRelationalTypeMapping().CreateParameter(command, name, null, columns[c].IsNullable);
                command.Parameters.Add(parameter);
            }
            sql.Append(')');
        }
        if (ignoreConflicts)
        {
            sql.Append(" ON CONFLICT DO NOTHING RETURNING \"").Append(keyColumn.GetColumnName(table)).Append('"');
        }
        command.CommandText = sql.ToString();
        return command;
    }

    private static TKey ReadKey<TKey>(DbDataReader reader, IProperty keyColumn)
    {
        var value = reader.GetValue(0);
        if (typeof(TKey) == typeof(Guid) && value is string text)
        {
            return (TKey)(object)Guid.Parse(text);
        }
        var converter = keyColumn.GetTypeMapping().Converter;
        return (TKey)(converter is null ? value : converter.ConvertFromProvider(value))!;
    }
}
