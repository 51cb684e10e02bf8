using System.Linq.Expressions;
using Rosette.Domain.Classes;

namespace Rosette.Domain.Users;

/// <summary>
/// "An active student": who receives badges, is chosen from a roster and earns achievements. Written once, as an expression,
/// so that the check in memory and the filter in queries are one rule.
/// </summary>
public static class ActiveStudents
{
    private static readonly Expression<Func<UserRole, bool, bool>> Rule = (role, isActive) => isActive && role == UserRole.Student;

    private static readonly Func<UserRole, bool, bool> Check = Rule.Compile();

    /// <summary>The rule as a filter on users, for queries.</summary>
    public static readonly Expression<Func<User, bool>> Filter = On<User>(nameof(User.Role), nameof(User.IsActive));

    /// <summary>The rule as a filter on enrollments, on their copy of the student's role and activity.</summary>
    public static readonly Expression<Func<Enrollment, bool>> Enrolled = On<Enrollment>(nameof(Enrollment.StudentRole), nameof(Enrollment.StudentIsActive));

    public static bool Is(UserRole role, bool isActive) => Check(role, isActive);

    /// <summary>Why a user is not an active student (for the caller's own error); null when they are.</summary>
    public static NotActiveStudent? WhyNot(UserRole role, bool isActive) =>
        Is(role, isActive) ? null : Is(role, isActive: true) ? NotActiveStudent.Inactive : NotActiveStudent.NotAStudent;

    private static Expression<Func<T, bool>> On<T>(string role, string isActive)
    {
        var row = Expression.Parameter(typeof(T), "row");
        var body = new Substitute(new Dictionary<ParameterExpression, Expression>
        {
            [Rule.Parameters[0]] = Expression.Property(row, role),
            [Rule.Parameters[1]] = Expression.Property(row, isActive),
        }).Visit(Rule.Body);
        return Expression.Lambda<Func<T, bool>>(body, row);
    }

    private sealed class Substitute(Dictionary<ParameterExpression, Expression> parameters) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => parameters.GetValueOrDefault(node) ?? node;
    }
}

/// <summary>The two ways of failing <see cref="ActiveStudents"/>: another role, or a student who is no longer active.</summary>
public enum NotActiveStudent
{
    NotAStudent,
    Inactive,
}
