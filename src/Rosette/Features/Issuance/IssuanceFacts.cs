using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;

namespace Rosette.Features.Issuance;

/// <summary>The loads the issuance rules need: each student's facts in a class, and the awards they hold.</summary>
public static class IssuanceFacts
{
    /// <summary>Past this many ids, reading the whole class is cheaper than a list of ids.</summary>
    private const int ClassWideThreshold = 500;

    /// <summary>For each requested id, the facts the rules need: the user, their organization's path, and an active enrollment.</summary>
    public static async Task<Dictionary<Guid, StudentInClass>> LoadStudentsInClassAsync(
        this RosetteDb db, Guid classId, IReadOnlyCollection<Guid> studentIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, StudentInClass>(studentIds.Count);
        if (studentIds.Count > ClassWideThreshold)
        {
            // A large batch: everyone enrolled in the class in one scan by class, then whoever is left by id.
            var wanted = studentIds.ToHashSet();
            var enrolled = await (from e in db.Enrollments.AsNoTracking()
                                  where e.ClassId == classId && e.IsActive
                                  join u in db.Users on e.StudentId equals u.Id
                                  join o in db.Organizations on u.OrganizationId equals o.Id
                                  select new StudentFacts(u.Id, PersonName.Full(u.FirstName, u.LastName), u.Role, u.IsActive, o.Path))
                .ToListAsync(cancellationToken);
            foreach (var facts in enrolled.Where(f => wanted.Contains(f.Id)))
            {
                found[facts.Id] = new StudentInClass(facts, ActivelyEnrolled: true);
            }
        }
        var rest = studentIds.Where(id => !found.ContainsKey(id)).ToList();
        if (rest.Count > 0)
        {
            var rows = await (from u in db.Users.AsNoTracking()
                              where rest.Contains(u.Id)
                              join o in db.Organizations on u.OrganizationId equals o.Id
                              select new
                              {
                                  Facts = new StudentFacts(u.Id, PersonName.Full(u.FirstName, u.LastName), u.Role, u.IsActive, o.Path),
                                  Enrolled = db.Enrollments.Any(e => e.ClassId == classId && e.StudentId == u.Id && e.IsActive),
                              }).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                found[row.Facts.Id] = new StudentInClass(row.Facts, row.Enrolled);
            }
        }
        return studentIds.ToDictionary(id => id, id => found.GetValueOrDefault(id) ?? new StudentInClass(null, false));
    }

    /// <summary>
    /// The active awards the students hold of the badges (not tracked). With a class, a large set of students is read as
    /// "the class's students" (one scan by class) instead of a list of ids.
    /// </summary>
    public static async Task<Dictionary<(Guid BadgeId, Guid StudentId), Award>> HeldAwardsAsync(
        this RosetteDb db, IReadOnlyCollection<Guid> badgeIds, IReadOnlyCollection<Guid> studentIds, CancellationToken cancellationToken, Guid? classId = null)
    {
        var awards = db.Awards.AsNoTracking().Where(a => a.RevokedAt == null && badgeIds.Contains(a.BadgeId));
        if (classId is { } inClass && studentIds.Count > ClassWideThreshold)
        {
            var wanted = studentIds.ToHashSet();
            var rows = await (from a in awards
                              join e in db.Enrollments on a.StudentId equals e.StudentId
                              where e.ClassId == inClass
                              select a).ToListAsync(cancellationToken);
            return rows.Where(r => wanted.Contains(r.StudentId)).ToDictionary(r => (r.BadgeId, r.StudentId));
        }
        // One parameter for the list (an array, or JSON on SQLite), not one per id: the achievement worker asks for hundreds
        // of students a batch, and building and binding a statement of that many parameters cost it several times the
        // query's own time (docs/benchmarks.md, session 36).
        var ids = studentIds.ToArray();
        return await awards.Where(a => EF.Parameter(ids).Contains(a.StudentId)).ToDictionaryAsync(a => (a.BadgeId, a.StudentId), cancellationToken);
    }
}
