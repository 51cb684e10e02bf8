using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A small world for one test, written straight to the database with the domain's own factories:
/// <code>
/// Root (AdminRoot)            badges: Manual, Manual2, NoManual, Archived
///  ├─ A (AdminA, OrgInstructor, OtherInstructor; StudentA1, StudentA2)
///  │   └─ A1 (StudentA1x)
///  └─ B (AdminB; StudentB1)   badge: BadgeB
/// Contoso, a separate root (ContractInstructor)
/// Class (org Root): OrgInstructor as organization, ContractInstructor as contract; StudentA1, A2, A1x, B1 enrolled;
///   StudentOutside (org A) not enrolled.
/// OtherClass (org Root): OtherInstructor; StudentA1 enrolled.
/// Course (org Root) with an assignment to StudentA1.
/// </code>
/// Names are unique per world so that worlds in one database never collide.
/// </summary>
public sealed class World
{
    public const string Password = "world-password-1";

    public required Organization Root { get; init; }
    public required Organization A { get; init; }
    public required Organization A1 { get; init; }
    public required Organization B { get; init; }
    public required Organization Contoso { get; init; }
    public required User AdminRoot { get; init; }
    public required User AdminA { get; init; }
    public required User AdminB { get; init; }
    public required User OrgInstructor { get; init; }
    public required User ContractInstructor { get; init; }
    public required User OtherInstructor { get; init; }
    public required User StudentA1 { get; init; }
    public required User StudentA2 { get; init; }
    public required User StudentA1x { get; init; }
    public required User StudentB1 { get; init; }
    public required User StudentOutside { get; init; }
    public required TrainingClass Class { get; init; }
    public required TrainingClass OtherClass { get; init; }
    public required Course Course { get; init; }
    public CourseAssignment Assignment { get; private set; } = null!;
    public required Badge Manual { get; init; }
    public required Badge Manual2 { get; init; }
    public required Badge NoManual { get; init; }
    public required Badge Archived { get; init; }
    public required Badge BadgeB { get; init; }

    public IEnumerable<User> ClassStudents => [StudentA1, StudentA2, StudentA1x, StudentB1];

    public static async Task<World> CreateAsync(RosetteFactory factory, string passwordHash)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var now = DateTime.UtcNow;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var root = Organization.Create(Actor.System, $"Root {tag}", null, now).Value;
        var a = Organization.Create(Actor.System, $"A {tag}", root, now).Value;
        var a1 = Organization.Create(Actor.System, $"A1 {tag}", a, now).Value;
        var b = Organization.Create(Actor.System, $"B {tag}", root, now).Value;
        var contoso = Organization.Create(Actor.System, $"Contoso {tag}", null, now).Value;

        User Person(string name, Organization organization, UserRole role)
        {
            var user = User.Create($"{name}.{tag}@rosette.test", name, tag, organization.Id, role, now).Value;
            user.PasswordHash = passwordHash;
            return user;
        }

        Badge NewBadge(string name, Organization organization, bool manual, bool archived = false)
        {
            var badge = Badge.Create($"{name} {tag}", $"{name} description", $"{name} criteria", organization, manual, null, [], now).Value;
            if (archived)
            {
                badge.Update(new BadgeChanges(null, null, null, null, true, null, false, null), organization, now);
            }
            return badge;
        }

        var world = new World
        {
            Root = root, A = a, A1 = a1, B = b, Contoso = contoso,
            AdminRoot = Person("adminroot", root, UserRole.Administrator),
            AdminA = Person("admina", a, UserRole.Administrator),
            AdminB = Person("adminb", b, UserRole.Administrator),
            OrgInstructor = Person("orginstructor", a, UserRole.Instructor),
            ContractInstructor = Person("contractinstructor", contoso, UserRole.Instructor),
            OtherInstructor = Person("otherinstructor", a, UserRole.Instructor),
            StudentA1 = Person("studenta1", a, UserRole.Student),
            StudentA2 = Person("studenta2", a, UserRole.Student),
            StudentA1x = Person("studenta1x", a1, UserRole.Student),
            StudentB1 = Person("studentb1", b, UserRole.Student),
            StudentOutside = Person("studentoutside", a, UserRole.Student),
            Class = TrainingClass.Create($"Class {tag}", root.Id, null, null, null, now).Value,
            OtherClass = TrainingClass.Create($"Other class {tag}", root.Id, null, null, null, now).Value,
            Course = Course.Create($"Course {tag}", root.Id, false, now).Value,
            Manual = NewBadge("Manual", root, manual: true),
            Manual2 = NewBadge("Manual two", root, manual: true),
            NoManual = NewBadge("No manual", root, manual: false),
            Archived = NewBadge("Archived", root, manual: true, archived: true),
            BadgeB = NewBadge("Badge of B", b, manual: true),
        };
        world.Assignment = CourseAssignment.Create(world.Course.Id, world.StudentA1.Id, now);
        await factory.WithDbAsync(async db =>
        {
            db.Organizations.AddRange(root, a, a1, b, contoso);
            db.Users.AddRange(world.AdminRoot, world.AdminA, world.AdminB, world.OrgInstructor, world.ContractInstructor, world.OtherInstructor,
                world.StudentA1, world.StudentA2, world.StudentA1x, world.StudentB1, world.StudentOutside);
            db.Courses.Add(world.Course);
            db.CourseAssignments.Add(world.Assignment);
            db.Classes.AddRange(world.Class, world.OtherClass);
            db.ClassInstructors.AddRange(
                ClassInstructor.Create(world.Class.Id, world.OrgInstructor.Id, InstructorKind.Organization, now),
                ClassInstructor.Create(world.Class.Id, world.ContractInstructor.Id, InstructorKind.Contract, now),
                ClassInstructor.Create(world.OtherClass.Id, world.OtherInstructor.Id, InstructorKind.Organization, now));
            foreach (var student in world.ClassStudents)
            {
                db.Enrollments.Add(Enrollment.Create(world.Class.Id, student.Id, now));
            }
            db.Enrollments.Add(Enrollment.Create(world.OtherClass.Id, world.StudentA1.Id, now));
            db.Badges.AddRange(world.Manual, world.Manual2, world.NoManual, world.Archived, world.BadgeB);
            await db.SaveChangesAsync();
        });
        return world;
    }
}
