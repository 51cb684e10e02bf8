using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;

namespace Rosette.Features.Classes;

public static class RosterQueries
{
    /// <summary>
    /// The class's students that the actor may choose (<see cref="Domain.Issuance.IssuanceRules.WhyNotStudent"/> in SQL:
    /// active students, actively enrolled, within the actor's student scope), optionally searched or narrowed to some ids, by name.
    /// </summary>
    public static IQueryable<RosterStudent> RosterQuery(this RosetteDb db, ClassContext context, string? term, IReadOnlyCollection<Guid>? only = null)
    {
        var scope = context.Access.StudentScopePath;
        var classId = context.Class.Id;
        var rows = from e in db.Enrollments
                   where e.ClassId == classId && e.IsActive
                   join u in db.Users.Where(ActiveStudents.Filter) on e.StudentId equals u.Id
                   join o in db.Organizations on u.OrganizationId equals o.Id
                   where scope == null || o.Path.StartsWith(scope)
                   where term == null || u.SearchText.Contains(term)
                   where only == null || only.Contains(u.Id)
                   orderby u.LastName, u.FirstName, u.Id
                   select new RosterStudent(u.Id, u.FirstName, u.LastName, u.Email, u.OrganizationId, o.Name, e.EnrolledAt);
        return rows.AsNoTracking();
    }
}
