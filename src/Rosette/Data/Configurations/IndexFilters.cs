using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Rosette.Data.Configurations;

/// <summary>
/// Partial-index filters written from the model: column names come from the entity's properties and enum values from the
/// enum, in the text the column stores. Renaming a property or an enum value renames the filter with it; a hand-typed
/// filter would go on naming the old one, and the model's next migration would fail or index nothing. Quoted as SQLite
/// and PostgreSQL both read it.
/// </summary>
internal static class IndexFilters
{
    /// <summary>The index holds only the rows where each of its columns is set.</summary>
    public static IndexBuilder<T> WhereNotNull<T>(this IndexBuilder<T> index) =>
        index.HasFilter(And([.. index.Metadata.Properties.Select(p => $"{Column(p)} IS NOT NULL")]));

    public static string IsNull<T, TProperty>(this EntityTypeBuilder<T> entity, Expression<Func<T, TProperty>> property)
        where T : class => $"{Column(Property(entity, property))} IS NULL";

    public static string IsNotNull<T, TProperty>(this EntityTypeBuilder<T> entity, Expression<Func<T, TProperty>> property)
        where T : class => $"{Column(Property(entity, property))} IS NOT NULL";

    /// <summary>A boolean column is true.</summary>
    public static string IsTrue<T>(this EntityTypeBuilder<T> entity, Expression<Func<T, bool>> property)
        where T : class => Column(Property(entity, property));

    /// <summary>The column holds <paramref name="value"/>: an enum stored as its name (<c>HasConversion&lt;string&gt;()</c>) or as its number.</summary>
    public static string Is<T, TEnum>(this EntityTypeBuilder<T> entity, Expression<Func<T, TEnum>> property, TEnum value)
        where T : class
        where TEnum : struct, Enum
    {
        var column = Property(entity, property);
        var stored = column.GetProviderClrType() ?? column.ClrType;
        return stored == typeof(string) ? $"{Column(column)} = '{value}'"
            : stored.IsEnum || stored == typeof(int) ? $"{Column(column)} = {Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)}"
            : throw new InvalidOperationException($"{typeof(T).Name}.{column.Name} is stored as {stored.Name}, neither text nor a number.");
    }

    public static string And(params string[] conditions) => string.Join(" AND ", conditions);

    private static string Column(IReadOnlyProperty property) => $"\"{property.GetColumnName()}\"";

    private static IMutableProperty Property<T>(EntityTypeBuilder<T> entity, LambdaExpression property)
        where T : class
    {
        var name = (property.Body as MemberExpression)?.Member.Name ?? throw new ArgumentException("Name a property of the entity.", nameof(property));
        return entity.Metadata.FindProperty(name) ?? throw new ArgumentException($"{typeof(T).Name}.{name} is not mapped.", nameof(property));
    }
}
