using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;

namespace Rosette.Features.Classes;

public static class RosterQueries
{
    /// <summary>
    /// The class's students that the actor may choose (<see cref="Domain.Issuance.IssuanceRules.WhyNotStudent"/> in SQL:
    /// active students, actively enrolled, within the actor's student scope), optionally searched or narrowed to some ids, by name.
    /// Read from the enrollments' copy of their students (decision 0029), so that the count and the order come from one
    /// index of the class's enrollments; only a search, and each row's email, look up the users.
    /// </summary>
    public static IQueryable<RosterStudent> RosterQuery(this RosetteDb db, ClassContext context, string? term, IReadOnlyCollection<Guid>? only = null)
    {
        var scope = context.Access.StudentScopePath;
        var classId = context.Class.Id;
        var enrollments = db.Enrollments.Where(e => e.ClassId == classId && e.IsActive).Where(ActiveStudents.Enrolled);
        if (term is not null)
        {
            enrollments = enrollments.Where(e => db.Users.Any(u => u.Id == e.StudentId && u.SearchText.Contains(term)));
        }
        if (only is not null)
        {
            enrollments = enrollments.Where(e => only.Contains(e.StudentId));
        }
        var rows = from e in enrollments
                   join o in db.Organizations on e.StudentOrganizationId equals o.Id
                   where scope == null || o.Path.StartsWith(scope)
                   orderby e.StudentLastName, e.StudentFirstName, e.StudentId
                   select new RosterStudent(e.StudentId, e.StudentFirstName, e.StudentLastName,
                       db.Users.Where(u => u.Id == e.StudentId).Select(u => u.Email).First(), e.StudentOrganizationId, o.Name, e.EnrolledAt);
        return rows.AsNoTracking();
    }
}
