using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Rosette.Data;

/// <summary>
/// An entity's table and columns as the EF model maps them, quoted for SQL, with the model's value conversions: hand-written
/// SQL takes its names and its enum values from here, so that a rename breaks the build, not a query at run time.
/// </summary>
public sealed class MappedTable<T>
    where T : class
{
    private readonly IEntityType _entity;
    private readonly StoreObjectIdentifier _table;

    internal MappedTable(RosetteDb db)
    {
        _entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        _table = StoreObjectIdentifier.Table(_entity.GetTableName()!, _entity.GetSchema());
        Name = Quote(_table.Name);
    }

    /// <summary>The quoted table name.</summary>
    public string Name { get; }

    /// <summary>The quoted column name of a property.</summary>
    public string this[Expression<Func<T, object?>> property] => Quote(Property(property).GetColumnName(_table)!);

    /// <summary>A value as the column stores it (an enum as its text, for instance).</summary>
    public object? ToProvider<TValue>(Expression<Func<T, TValue>> property, TValue value) =>
        Property(property).GetTypeMapping().Converter is { } converter && value is not null ? converter.ConvertToProvider(value) : value;

    /// <summary>Reads values of the column back as EF would (text back to an enum, for instance).</summary>
    public Func<object, TValue> FromProvider<TValue>(Expression<Func<T, TValue>> property) =>
        Property(property).GetTypeMapping().Converter is { } converter ? value => (TValue)converter.ConvertFromProvider(value)! : value => (TValue)value;

    private static string Quote(string name) => $"\"{name}\"";

    private IProperty Property(LambdaExpression property)
    {
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        var name = (body as MemberExpression)?.Member.Name ?? throw new ArgumentException("Name a property of the entity.", nameof(property));
        return _entity.FindProperty(name) ?? throw new ArgumentException($"{typeof(T).Name}.{name} is not mapped.", nameof(property));
    }
}

public static class MappedTables
{
    public static MappedTable<T> Mapped<T>(this RosetteDb db)
        where T : class => new(db);
}
