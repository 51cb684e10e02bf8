using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Rosette.Domain.Users;

namespace Rosette.Data;

/// <summary>Domain functions that queries may call, each with its SQL: the rule is written once and EF computes it in the database.</summary>
internal static class QueryFunctions
{
    public static void MapQueryFunctions(this ModelBuilder modelBuilder) =>
        modelBuilder.HasDbFunction(typeof(PersonName).GetMethod(nameof(PersonName.Full))!).HasTranslation(args =>
        {
            var (first, last) = (args[0], args[1]);
            var space = new SqlConstantExpression(" ", typeof(string), first.TypeMapping);
            return new SqlBinaryExpression(
                ExpressionType.Add, new SqlBinaryExpression(ExpressionType.Add, first, space, typeof(string), first.TypeMapping), last, typeof(string), first.TypeMapping);
        });
}
