using System.Data.Common;

namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Each enrollment gains a copy of its student's names, organization, role and activity (decision 0029): the migration
/// fills it for the enrollments already there, and its triggers keep it. Seeded: a student enrolled with plain SQL that
/// names none of the copied columns, whose copy the insert's trigger must fill; checked: a rename and a deactivation of
/// that student, written to the user alone, reach the enrollment. The upgraded app's roster reads the copies
/// (<see cref="DatabaseUpgradeTests"/>).
/// </summary>
public sealed class EnrollmentStudentCopy : MigrationData
{
    public const string FirstName = "Zora";
    public const string LastName = "Aardvark";
    public const string RenamedLastName = "Zebedee";

    private Guid _student;

    public override string Migration => "EnrollmentStudentCopy";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var enrollment in rows.In("Enrollments"))
        {
            CopyInto(enrollment, rows.In("Users").Single(u => Equals(u.Values["Id"], enrollment.Values["StudentId"])));
        }
    }

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        _student = Guid.CreateVersion7();
        var email = "upgrade.zora@rosette.test";
        await rows.InsertAsync("Users", ("Id", _student), ("Email", email), ("NormalizedEmail", email.ToUpperInvariant()), ("FirstName", FirstName),
            ("LastName", LastName), ("OrganizationId", ids.Child), ("Role", "Student"), ("IsSystemAdministrator", false),
            ("ParticipateInAchievements", true), ("IsActive", true), ("CreatedAt", Initial.At), ("SearchText", $"zora aardvark {email}"),
            ("PasswordHash", null), ("SecurityStamp", Guid.NewGuid().ToString("N")), ("AccessFailedCount", 0), ("LockoutEnd", null));
        await rows.InsertAsync("Enrollments", 2, ("ClassId", ids.Class), ("StudentId", _student), ("EnrolledAt", Initial.At), ("IsActive", true));
        // What the insert's trigger must have written, checked by the next comparison of every row.
        CopyInto(rows.In("Enrollments").Last(), rows.In("Users").Last());
    }

    public override async Task CheckAsync(SeededRows rows, DbConnection connection)
    {
        var enrollment = rows.In("Enrollments").Last();
        var user = rows.In("Users").Single(u => Equals(u.Values["Id"], _student));
        Assert.Empty(await rows.DifferencesAsync());

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""UPDATE "Users" SET "LastName" = '{RenamedLastName}', "IsActive" = {(rows.IsPostgres ? "false" : "0")} WHERE "Email" = 'upgrade.zora@rosette.test'""";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        user.Values["LastName"] = RenamedLastName;
        user.Values["IsActive"] = false;
        CopyInto(enrollment, user);
        Assert.Empty(await rows.DifferencesAsync());
    }

    private static void CopyInto(SeededRows.Row enrollment, SeededRows.Row user)
    {
        enrollment.Values["StudentFirstName"] = user.Values["FirstName"];
        enrollment.Values["StudentLastName"] = user.Values["LastName"];
        enrollment.Values["StudentOrganizationId"] = user.Values["OrganizationId"];
        enrollment.Values["StudentRole"] = user.Values["Role"];
        enrollment.Values["StudentIsActive"] = user.Values["IsActive"];
    }
}
