using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Features.Classes;
using Rosette.Tests.Data.Upgrades;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The roster reads each enrollment's copy of its student (decision 0029): whatever writes an enrollment or changes a
/// user, the copy must equal the user, or the roster would list, count or sort students as they no longer are.
/// </summary>
public sealed class EnrollmentStudentCopyTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static async Task<RosterResult> RosterAsync(HttpClient client, Guid classId) =>
        await (await client.GetAsync($"/api/v1/classes/{classId}/roster")).IsOkAsync<RosterResult>();

    /// <summary>The enrollments of these students whose copy differs from the user, and how many enrollments were compared.</summary>
    private Task<(int Stale, int Compared)> CompareCopiesAsync(IReadOnlyCollection<Guid> students) => app.Factory.WithDbAsync(async db =>
    {
        var pairs = await (from e in db.Enrollments
                           join u in db.Users on e.StudentId equals u.Id
                           where students.Contains(e.StudentId)
                           select new { e.StudentFirstName, e.StudentLastName, e.StudentOrganizationId, e.StudentRole, e.StudentIsActive, User = u })
            .AsNoTracking().ToListAsync();
        var stale = pairs.Count(p => (p.StudentFirstName, p.StudentLastName, p.StudentOrganizationId, p.StudentRole, p.StudentIsActive)
            != (p.User.FirstName, p.User.LastName, p.User.OrganizationId, p.User.Role, p.User.IsActive));
        return (stale, pairs.Count);
    });

    [Fact]
    public async Task Roster_FollowsEveryChangeOfItsStudents_Names_Role_AndActivity_InEveryClass()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var students = world.ClassStudents.Select(s => s.Id).ToList();

        var before = await RosterAsync(admin, world.Class.Id);
        // The world's students share a last name (its tag) and sort by first name: StudentA1 before StudentB1. New last names turn that.
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA1.Id}", new { lastName = "Zulu" })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentB1.Id}", new { firstName = "Zed", lastName = "Aardvark" })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { isActive = false })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA1x.Id}", new { role = "Instructor" })).EnsureSuccessStatusCode();
        var changed = await RosterAsync(admin, world.Class.Id);
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { isActive = true })).EnsureSuccessStatusCode();
        var reactivated = await RosterAsync(admin, world.Class.Id);

        Assert.Equal(4, before.Total);
        Assert.Equal([world.StudentB1.Id, world.StudentA1.Id], changed.Students.Select(s => s.Id));
        Assert.Equal(2, changed.Total);
        Assert.Equal(("Zed", "Aardvark", world.StudentB1.Email, world.B.Name), (changed.Students[0].FirstName, changed.Students[0].LastName,
            changed.Students[0].Email, changed.Students[0].OrganizationName));
        Assert.Equal(3, reactivated.Total);
        Assert.Contains(reactivated.Students, s => s.Id == world.StudentA2.Id);
        // StudentA1 is also enrolled in OtherClass: a change reaches every enrollment of the user.
        Assert.Equal((0, 5), await CompareCopiesAsync(students));
    }

    [Fact]
    public async Task EnrollingOneByOne_AndImportingARoster_FillTheCopy()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var created = await (await admin.PostJsonAsync("/api/v1/classes", new { name = "Copies", organizationId = world.A.Id })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        var newEmail = $"grace.{Guid.NewGuid():N}@import.rosette.test";

        (await admin.PostJsonAsync($"/api/v1/classes/{created.Id}/enrollments", new { studentIds = new[] { world.StudentA2.Id } })).EnsureSuccessStatusCode();
        var csv = $"email,first name,last name,organization\n{newEmail},Grace,Hopper,\n{world.StudentA1.Email},Ignored,Names,\n";
        var imported = await (await admin.PostAsync($"/api/v1/classes/{created.Id}/roster-imports", new StringContent(csv, Encoding.UTF8, "text/csv")))
            .IsOkAsync<RosterImportResult>();
        var roster = await RosterAsync(admin, created.Id);

        Assert.Equal((1, 1), (imported.NewUsers, imported.Enrolled));
        Assert.Equal(3, roster.Total);
        var grace = Assert.Single(roster.Students, s => s.Email == newEmail);
        Assert.Equal(("Grace", "Hopper", world.A.Id), (grace.FirstName, grace.LastName, grace.OrganizationId));
        // StudentA1 has three enrollments (Class, OtherClass, this one), StudentA2 two, Grace one.
        Assert.Equal((0, 6), await CompareCopiesAsync(roster.Students.Select(s => s.Id).ToList()));
    }

    [Fact]
    public async Task ARenameDuringAnEnrollmentsTransaction_ReachesThatEnrollment()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var created = await (await admin.PostJsonAsync("/api/v1/classes", new { name = "Race", organizationId = world.A.Id })).IsOkAsync<ClassDto>(HttpStatusCode.Created);
        var database = app.Database;

        // One session inserts the enrollment and stays open; another renames the student meanwhile. On PostgreSQL the
        // insert's copy read the student FOR SHARE, so the rename must wait for the insert's commit and then rewrite the new
        // enrollment too. Without that lock the rename would commit at once, missing the uncommitted row, and the copy would
        // keep the old name. (SQLite: the rename waits for the one writer.)
        await using var enrolling = SeededRows.Open(database.Provider, database.ConnectionString);
        await enrolling.OpenAsync();
        await ExecuteAsync(enrolling, "BEGIN");
        await new SeededRows(enrolling, database.IsPostgres).InsertAsync("Enrollments", 2, ("ClassId", created.Id), ("StudentId", world.StudentA1.Id),
            ("EnrolledAt", new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc)), ("IsActive", true));
        var rename = Task.Run(async () =>
        {
            await using var renaming = SeededRows.Open(database.Provider, database.ConnectionString);
            await renaming.OpenAsync();
            await ExecuteAsync(renaming, $"""UPDATE "Users" SET "FirstName" = 'Renamed' WHERE "Email" = '{world.StudentA1.Email}'""");
        });
        if (database.IsPostgres)
        {
            await using var observer = SeededRows.Open(database.Provider, database.ConnectionString);
            await observer.OpenAsync();
            await Eventually.TrueAsync(async () => rename.IsCompleted || await ScalarAsync(observer,
                """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE "Users" SET "FirstName" = ''Renamed''%'""") > 0,
                "the rename to finish or to wait for the enrollment's transaction");
        }
        await ExecuteAsync(enrolling, "COMMIT");
        await rename;

        var copies = await app.Factory.WithDbAsync(db => db.Enrollments.Where(e => e.StudentId == world.StudentA1.Id).Select(e => e.StudentFirstName).ToListAsync());
        // Class, OtherClass and the new one.
        Assert.Equal(["Renamed", "Renamed", "Renamed"], copies);
        Assert.Equal((0, 3), await CompareCopiesAsync([world.StudentA1.Id]));
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
