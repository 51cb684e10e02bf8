using Microsoft.EntityFrameworkCore;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Data;

/// <summary>
/// The SQL form of <see cref="Actor.Administers"/>: an organization is in scope when its path starts with the
/// actor's. List queries filter with these so that nothing outside the scope is ever read.
/// </summary>
public static class ScopeQueries
{
    public static IQueryable<Organization> AdministeredBy(this IQueryable<Organization> organizations, Actor actor)
    {
        if (!actor.IsAdministrator)
        {
            return organizations.Where(_ => false);
        }
        var scope = actor.ScopePath;
        return scope is null ? organizations : organizations.Where(o => o.Path.StartsWith(scope));
    }

    /// <summary>Which of <paramref name="organizationIds"/> the actor administers (one query, none when the list is empty).</summary>
    public static async Task<HashSet<Guid>> AdministeredAmongAsync(this RosetteDb db, Actor actor, IEnumerable<Guid> organizationIds, CancellationToken cancellationToken)
    {
        var ids = organizationIds.Distinct().ToList();
        return ids.Count == 0 ? []
            : (await db.Organizations.AdministeredBy(actor).Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    public static IQueryable<User> AdministeredBy(this IQueryable<User> users, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? users : users.Where(u => organizations.Any(o => o.Id == u.OrganizationId));
    }

    public static IQueryable<Badge> AdministeredBy(this IQueryable<Badge> badges, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? badges : badges.Where(b => organizations.Any(o => o.Id == b.OrganizationId));
    }

    public static IQueryable<Achievement> AdministeredBy(this IQueryable<Achievement> achievements, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? achievements : achievements.Where(a => organizations.Any(o => o.Id == a.OrganizationId));
    }

    public static IQueryable<Course> AdministeredBy(this IQueryable<Course> courses, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? courses : courses.Where(c => organizations.Any(o => o.Id == c.OrganizationId));
    }

    /// <summary>
    /// Course assignments an administrator administers: of a course of their scope <em>and</em> to a student of their scope.
    /// An administrator above both may assign a course to a student beside the course's organization; the course's own
    /// administrators do not see that student, so neither the assignment (none for other roles).
    /// </summary>
    public static IQueryable<CourseAssignment> AdministeredBy(this IQueryable<CourseAssignment> assignments, RosetteDb db, Actor actor)
    {
        if (!actor.IsAdministrator)
        {
            return assignments.Where(_ => false);
        }
        var courses = db.Courses.AdministeredBy(db, actor);
        var students = db.Users.AdministeredBy(db, actor);
        return actor.IsSystemAdministrator ? assignments
            : assignments.Where(a => courses.Any(c => c.Id == a.CourseId) && students.Any(u => u.Id == a.StudentId));
    }

    /// <summary>
    /// Issuance batches an administrator sees (dashboard, stored results): of a class of their scope, or of a course assignment
    /// they administer, as <see cref="AdministeredBy(IQueryable{CourseAssignment}, RosetteDb, Actor)"/> (its course <em>and</em> its
    /// student of their scope), so no batch names a student beside their scope (none for other roles). Written with the class,
    /// assignment, course and student left-joined and their organizations checked, not by <c>EXISTS</c>: read newest first,
    /// the dashboard then stops at its tenth batch (decision 0026).
    /// </summary>
    public static IQueryable<IssuanceBatch> AdministeredBy(this IQueryable<IssuanceBatch> batches, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor).Select(o => o.Id);
        return from b in batches
               join c in db.Classes on b.ClassId equals c.Id into inClass
               from c in inClass.DefaultIfEmpty()
               join a in db.CourseAssignments on b.CourseAssignmentId equals a.Id into assigned
               from a in assigned.DefaultIfEmpty()
               join course in db.Courses on a.CourseId equals course.Id into ofAssignment
               from course in ofAssignment.DefaultIfEmpty()
               join student in db.Users on a.StudentId equals student.Id into assignedTo
               from student in assignedTo.DefaultIfEmpty()
               where (c != null && organizations.Contains(c.OrganizationId))
                   || (course != null && student != null && organizations.Contains(course.OrganizationId) && organizations.Contains(student.OrganizationId))
               select b;
    }

    /// <summary>
    /// Badges an administrator may choose for an achievement: those of their scope and those available to an organization
    /// of it. Any other badge is answered like one that does not exist.
    /// </summary>
    public static IQueryable<Badge> ChoosableBy(this IQueryable<Badge> badges, RosetteDb db, Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? badges
            : badges.Where(b => organizations.Any(o => o.Id == b.OrganizationId) || b.Availability.Any(a => organizations.Any(o => o.Id == a.OrganizationId)));
    }

    /// <summary>
    /// The SQL form of <see cref="AchievementRules.MayNameCourse"/> for an administrator's scope: courses of the organizations
    /// they administer, and courses open to outside organizations (none for other roles).
    /// </summary>
    public static IQueryable<Course> NameableBy(this IQueryable<Course> courses, RosetteDb db, Actor actor)
    {
        if (!actor.IsAdministrator)
        {
            return courses.Where(_ => false);
        }
        var organizations = db.Organizations.AdministeredBy(actor);
        return actor.IsSystemAdministrator ? courses
            : courses.Where(c => c.EnableAchievementsForOutsideOrganizations || organizations.Any(o => o.Id == c.OrganizationId));
    }

    /// <summary>Classes the actor sees: administered ones, the ones they teach, and (students) the ones they attend.</summary>
    public static IQueryable<TrainingClass> VisibleTo(this IQueryable<TrainingClass> classes, RosetteDb db, Actor actor) => actor.Role switch
    {
        UserRole.Administrator when actor.IsSystemAdministrator => classes,
        UserRole.Administrator => classes.Where(c => db.Organizations.AdministeredBy(actor).Any(o => o.Id == c.OrganizationId)),
        UserRole.Instructor => classes.Where(c => db.ClassInstructors.Any(i => i.ClassId == c.Id && i.UserId == actor.UserId)),
        _ => classes.Where(c => db.Enrollments.Any(e => e.ClassId == c.Id && e.StudentId == actor.UserId && e.IsActive)),
    };

    /// <summary>
    /// The award tallies of an administrator's awards: those of badges in their scope, as <see cref="VisibleTo(IQueryable{Award}, RosetteDb, Actor)"/>.
    /// Written as <c>IN</c> over the scope's badge ids, not a correlated <c>EXISTS</c>: SQLite then reads the scope once
    /// instead of probing badges and organizations for each tally row (decision 0025).
    /// </summary>
    public static IQueryable<AwardTally> AdministeredBy(this IQueryable<AwardTally> tallies, RosetteDb db, Actor actor) =>
        !actor.IsAdministrator ? tallies.Where(_ => false)
        : actor.IsSystemAdministrator ? tallies
        : tallies.Where(t => db.Badges.AdministeredBy(db, actor).Select(b => b.Id).Contains(t.BadgeId));

    /// <summary>
    /// Awards the actor sees: administrators those of badges in their scope, instructors those issued in the classes they
    /// teach, students their own.
    /// </summary>
    public static IQueryable<Award> VisibleTo(this IQueryable<Award> awards, RosetteDb db, Actor actor) => actor.Role switch
    {
        UserRole.Administrator when actor.IsSystemAdministrator => awards,
        UserRole.Administrator => awards.Where(a => db.Badges.AdministeredBy(db, actor).Any(b => b.Id == a.BadgeId)),
        UserRole.Instructor => awards.Where(a => db.ClassInstructors.Any(i => i.ClassId == a.ClassId && i.UserId == actor.UserId)),
        _ => awards.Where(a => a.StudentId == actor.UserId),
    };
}
