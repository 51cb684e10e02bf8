using System.Text;
using Microsoft.AspNetCore.Identity;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Classes;
using Rosette.Domain.Courses;
using Rosette.Domain.Issuance;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;

namespace Rosette.Features.Demo;

/// <summary>
/// Demo data for an empty database: an organization tree, an administrator, an organization instructor and a
/// contract instructor, 40 students across two organizations, two classes, a course and a handful of badges.
/// </summary>
public sealed class DemoSeed(RosetteDb db, IPasswordHasher<User> hasher, TimeProvider clock)
{
    public const string Password = "rosette-demo";
    public const string AdministratorEmail = "admin@northwind.example";
    public const string OrganizationInstructorEmail = "olivia.park@east.northwind.example";
    public const string ContractInstructorEmail = "carl.mendes@contoso.example";
    public const string StudentEmail = "ada.lovelace@east.northwind.example";
    public const string NetworkingClass = "Networking Essentials (Spring cohort)";
    public const string CloudClass = "Cloud Foundations";

    private static readonly string[] EastStudents =
    [
        "Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth",
        "Frances Allen", "John McCarthy", "Margaret Hamilton", "Dennis Ritchie", "Radia Perlman", "Ken Thompson", "Hedy Lamarr",
        "Tim Berners-Lee", "Shafi Goldwasser", "Leslie Lamport", "Adele Goldberg", "Niklaus Wirth", "Sophie Wilson",
    ];

    private static readonly string[] WestStudents =
    [
        "Claude Shannon", "Anita Borg", "Vint Cerf", "Karen Sparck Jones", "Bjarne Stroustrup", "Jean Sammet", "Guido Rossum",
        "Lynn Conway", "James Gosling", "Mary Allen Wilkes", "Linus Torvalds", "Evelyn Berezin", "Ward Cunningham", "Joan Clarke",
        "Bob Kahn", "Elizabeth Feinler", "Tony Hoare", "Kathleen Booth", "Whitfield Diffie", "Ida Rhodes",
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = clock.UtcNowSeconds();
        var northwind = Organization.Create(Actor.System, "Northwind Training", null, now).Value;
        var east = Organization.Create(Actor.System, "Northwind Academy East", northwind, now).Value;
        var west = Organization.Create(Actor.System, "Northwind Academy West", northwind, now).Value;
        var contoso = Organization.Create(Actor.System, "Contoso Contractors", null, now).Value;
        northwind.SetEnableAchievements(true);
        east.SetEnableAchievements(true);
        west.SetEnableAchievements(true);
        db.Organizations.AddRange(northwind, east, west, contoso);

        // One hash for every demo account: they share the demo password, and hashing 43 times would slow the start.
        var admin = NewUser(AdministratorEmail, "Nadia", "Admin", northwind, UserRole.Administrator, now);
        admin.MakeSystemAdministrator();
        var hash = hasher.HashPassword(admin, Password);
        var olivia = NewUser(OrganizationInstructorEmail, "Olivia", "Park", east, UserRole.Instructor, now);
        var carl = NewUser(ContractInstructorEmail, "Carl", "Mendes", contoso, UserRole.Instructor, now);
        var students = EastStudents.Select(n => NewStudent(n, "east.northwind.example", east, now))
            .Concat(WestStudents.Select(n => NewStudent(n, "west.northwind.example", west, now)))
            .ToList();
        foreach (var user in students.Append(admin).Append(olivia).Append(carl))
        {
            user.PasswordHash = hash;
            db.Users.Add(user);
        }

        var course = Course.Create("Networking 101", northwind.Id, enableAchievementsForOutsideOrganizations: false, now).Value;
        db.Courses.Add(course);
        var networking = TrainingClass.Create(NetworkingClass, northwind.Id, course.Id, now.AddDays(-14), now.AddDays(60), now).Value;
        var cloud = TrainingClass.Create(CloudClass, east.Id, null, now.AddDays(-3), now.AddDays(30), now).Value;
        db.Classes.AddRange(networking, cloud);
        db.ClassInstructors.AddRange(
            ClassInstructor.Create(networking.Id, olivia.Id, InstructorKind.Organization, now),
            ClassInstructor.Create(networking.Id, carl.Id, InstructorKind.Contract, now),
            ClassInstructor.Create(cloud.Id, olivia.Id, InstructorKind.Organization, now));
        // Networking: 15 students from each organization; Cloud: ten East students.
        foreach (var student in students.Take(15).Concat(students.Skip(20).Take(15)))
        {
            db.Enrollments.Add(Enrollment.Create(networking.Id, student.Id, now));
        }
        foreach (var student in students.Take(10))
        {
            db.Enrollments.Add(Enrollment.Create(cloud.Id, student.Id, now));
        }
        foreach (var student in students.Take(5))
        {
            db.CourseAssignments.Add(CourseAssignment.Create(course.Id, student.Id, now));
        }

        var fundamentals = AddBadge(northwind, "Networking Fundamentals", "Explains and applies the OSI and TCP/IP models.", "Complete the Networking Essentials labs and pass the final quiz.", manual: true, "#1f6feb", "NF", now);
        AddBadge(northwind, "Packet Tracer Practitioner", "Builds and troubleshoots small networks in a simulator.", "Finish five graded Packet Tracer activities.", manual: true, "#8250df", "PT", now);
        AddBadge(northwind, "Perfect Attendance", "Attended every session of a class.", "Be present at every scheduled session.", manual: true, "#1a7f37", "PA", now);
        AddBadge(northwind, "Lab Master", "Completed every lab of the curriculum.", "Earned automatically by completing all labs.", manual: false, "#bf3989", "LM", now);
        var retired = AddBadge(northwind, "Legacy Cabling", "A retired badge from the old curriculum.", null, manual: true, "#6e7781", "LC", now);
        retired.Update(new BadgeChanges(null, null, null, null, Archived: true, null, false, null), northwind, now);
        AddBadge(east, "Cloud Explorer", "Deployed a first workload to the cloud.", "Deploy the sample application in the Cloud Foundations lab.", manual: true, "#d4a72c", "CE", now);

        // Ada, Alan and Grace already hold Networking Fundamentals: issuing it again shows the already-earned failure.
        var earlier = now.AddDays(-10);
        var batch = IssuanceBatch.Create(AwardSource.Roster, networking.Id, null, olivia.Id, earlier, 1, 3, null, suppressNotifications: true, null);
        batch.Record(issued: 3, failed: 0);
        db.IssuanceBatches.Add(batch);
        foreach (var student in students.Take(3))
        {
            db.Awards.Add(Award.Create(batch.AwardFacts(fundamentals.Id, student.Id, earlier)));
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public static async Task PrintLoginsAsync(TextWriter output)
    {
        await output.WriteLineAsync($"""
            Rosette demo logins (password for all: {Password}):
              administrator              {AdministratorEmail}
              organization instructor    {OrganizationInstructorEmail}
              contract instructor        {ContractInstructorEmail}
              student                    {StudentEmail}
            """);
    }

    private Badge AddBadge(Organization organization, string name, string description, string? criteria, bool manual, string color, string initials, DateTime now)
    {
        var badge = Badge.Create(name, description, criteria, organization, manual, null, [], now).Value;
        var svg = Encoding.UTF8.GetBytes(
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><circle cx="60" cy="60" r="56" fill="{color}"/><circle cx="60" cy="60" r="46" fill="none" stroke="#ffffff" stroke-width="4"/><text x="60" y="72" font-family="sans-serif" font-size="34" font-weight="bold" text-anchor="middle" fill="#ffffff">{initials}</text></svg>""");
        badge.SetImage(BadgeImageContent.Svg, now);
        db.Badges.Add(badge);
        db.BadgeImages.Add(new BadgeImage(badge.Id, BadgeImageContent.Svg, svg));
        return badge;
    }

    private static User NewStudent(string fullName, string domain, Organization organization, DateTime now)
    {
        var space = fullName.IndexOf(' ', StringComparison.Ordinal);
        var (first, last) = (fullName[..space], fullName[(space + 1)..]);
        var email = $"{first}.{last.Replace(" ", "", StringComparison.Ordinal)}@{domain}".ToLowerInvariant();
        return NewUser(email, first, last, organization, UserRole.Student, now);
    }

    private static User NewUser(string email, string first, string last, Organization organization, UserRole role, DateTime now) =>
        User.Create(email, first, last, organization.Id, role, now).Value;
}
