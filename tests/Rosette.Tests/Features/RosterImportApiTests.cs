using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Features.Classes;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class RosterImportApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string Preview(World world) => $"/api/v1/classes/{world.OtherClass.Id}/roster-imports/preview";

    private static string Import(World world) => $"/api/v1/classes/{world.OtherClass.Id}/roster-imports";

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    /// <summary>One row of every kind, against OtherClass (where only StudentA1 is enrolled).</summary>
    private static (string Csv, string NewEmail) MixedFile(World world)
    {
        var newEmail = $"ada.{Guid.NewGuid():N}@import.rosette.test";
        var csv = $"""
            email,first name,last name,organization
            {newEmail},Ada,Lovelace,{world.A.Name}
            {world.StudentOutside.Email},Ignored,Names,
            {world.StudentA1.Email},Already,There,
            not-an-email,Bad,Email,
            other.{Guid.NewGuid():N}@import.rosette.test,No,Where,Nowhere Institute
            {newEmail.ToUpperInvariant()},Ada,Again,
            {world.OrgInstructor.Email},An,Instructor,
            missing.name.{Guid.NewGuid():N}@import.rosette.test,,Nameless,
            """;
        return (csv, newEmail);
    }

    [Fact]
    public async Task Preview_MixedRows_ReportsEachRowAndWritesNothing()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var (csv, newEmail) = MixedFile(world);

        var preview = await (await admin.PostAsync(Preview(world), Csv(csv))).IsOkAsync<RosterImportResult>();

        Assert.False(preview.Committed);
        Assert.Equal(
            [ImportOutcome.NewUser, ImportOutcome.Enrolled, ImportOutcome.AlreadyEnrolled, ImportOutcome.InvalidEmail, ImportOutcome.UnknownOrganization,
             ImportOutcome.DuplicateRow, ImportOutcome.NotAStudent, ImportOutcome.InvalidName],
            preview.Details.Select(r => r.Outcome));
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], preview.Details.Select(r => r.Line));
        Assert.Equal((8, 1, 1, 1, 5), (preview.Rows, preview.NewUsers, preview.Enrolled, preview.AlreadyEnrolled, preview.Rejected));
        Assert.Contains("line 2", preview.Details[5].Message, StringComparison.Ordinal);
        Assert.Contains(world.A.Name, preview.Details[0].Message, StringComparison.Ordinal);
        await app.Factory.WithDbAsync(async db =>
        {
            Assert.False(await db.Users.AnyAsync(u => u.Email == newEmail));
            Assert.False(await db.Enrollments.AnyAsync(e => e.ClassId == world.OtherClass.Id && e.StudentId == world.StudentOutside.Id));
            Assert.False(await db.AuditEntries.AnyAsync(e => e.EntityId == world.OtherClass.Id && e.Kind == AuditKind.RosterImported));
        });
    }

    [Fact]
    public async Task Import_CommitsTheValidRows_ReportsTheRest_AndAuditsOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var (csv, newEmail) = MixedFile(world);

        var result = await (await admin.PostAsync(Import(world), Csv(csv))).IsOkAsync<RosterImportResult>();

        Assert.True(result.Committed);
        Assert.Equal((1, 1, 5), (result.NewUsers, result.Enrolled, result.Rejected));
        var roster = await (await admin.GetAsync($"/api/v1/classes/{world.OtherClass.Id}/roster")).IsOkAsync<RosterResult>();
        Assert.Equal(
            new[] { world.StudentA1.Email, world.StudentOutside.Email, newEmail }.Order(),
            roster.Students.Select(s => s.Email).Order());
        var created = roster.Students.Single(s => s.Email == newEmail);
        Assert.Equal(("Ada", "Lovelace", world.A.Id), (created.FirstName, created.LastName, created.OrganizationId));
        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.EntityId == world.OtherClass.Id && e.Kind == AuditKind.RosterImported).ToListAsync());
        var entry = Assert.Single(entries);
        Assert.Equal((world.AdminRoot.Id, world.Root.Id), (entry.ActorId, entry.OrganizationId));
        Assert.Contains("1 new students, 1 existing students enrolled, 1 already enrolled, 5 rows not imported", entry.Summary, StringComparison.Ordinal);

        var again = await (await admin.PostAsync(Import(world), Csv(csv))).IsOkAsync<RosterImportResult>();
        Assert.Equal((0, 0, 3), (again.NewUsers, again.Enrolled, again.AlreadyEnrolled));
    }

    [Fact]
    public async Task Import_BomQuotedFieldsReorderedColumnsAndOrganizationById_AreRead()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var email = $"obrien.{Guid.NewGuid():N}@import.rosette.test";
        var text = $"Last Name,First_Name,E-mail,Organisation\r\n\"O'Brien, Jr.\",\"Flann \"\"The Third\"\"\",{email},{world.A1.Id}\r\n\r\n";
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("text/csv");

        var result = await (await admin.PostAsync(Import(world), content)).IsOkAsync<RosterImportResult>();

        var row = Assert.Single(result.Details);
        Assert.Equal((ImportOutcome.NewUser, "O'Brien, Jr.", "Flann \"The Third\""), (row.Outcome, row.LastName, row.FirstName));
        var user = await app.Factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
        Assert.Equal(("Flann \"The Third\"", "O'Brien, Jr.", world.A1.Id), (user.FirstName, user.LastName, user.OrganizationId));
    }

    [Fact]
    public async Task Import_MissingColumnsOrEmptyFile_Answers400WithoutWriting()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var missing = await admin.PostAsync(Import(world), Csv("email,first name\nx@rosette.test,X\n"));
        var empty = await admin.PostAsync(Import(world), Csv(""));
        var headerOnly = await admin.PostAsync(Preview(world), Csv("email,first name,last name\n"));

        var problem = await missing.IsProblemAsync(HttpStatusCode.BadRequest, "csv_missing_columns");
        Assert.Contains("last name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        problem.HasFieldError("file");
        await empty.IsProblemAsync(HttpStatusCode.BadRequest, "csv_empty");
        await headerOnly.IsProblemAsync(HttpStatusCode.BadRequest, "csv_empty");
    }

    [Fact]
    public async Task Import_ALegacyCodePageFileOrARepeatedColumn_Answers400WithoutWriting()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var email = $"jose.{Guid.NewGuid():N}@import.rosette.test";
        // "José Müller" as Windows-1252 writes it (é = E9, ü = FC): not UTF-8.
        var latin = new ByteArrayContent([.. Encoding.ASCII.GetBytes($"email,first name,last name\n{email},Jos"), 0xE9, .. Encoding.ASCII.GetBytes(",M"), 0xFC,
            .. Encoding.ASCII.GetBytes("ller\n")]);
        latin.Headers.ContentType = new("text/csv");

        await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostAsync(Import(world), latin))).IsProblemAsync(HttpStatusCode.BadRequest, "csv_not_utf8");
        var repeated = await (await DbSnapshot.UnchangedAsync(app.Factory, () => admin.PostAsync(Import(world), Csv($"email,Email,first name,last name\n{email},other@import.rosette.test,Jose,Muller\n"))))
            .IsProblemAsync(HttpStatusCode.BadRequest, "csv_repeated_columns");
        Assert.Contains("email", repeated.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Preview_BrokenQuoting_IsReportedAsAMalformedRow_AndTheOtherRowsStillCount()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var good = $"good.{Guid.NewGuid():N}@import.rosette.test";
        var trailing = $"trailing.{Guid.NewGuid():N}@import.rosette.test";
        // Line 4: "Smith, Jr." unquoted puts " Jr." in the last name column and the last name past the header: refused, not
        // stored as "Jr.". Line 5: trailing empty fields, as spreadsheets write them, are fine.
        var csv = $"email,first name,last name\nst\"ray@import.rosette.test,Stray,Quote\n{good},Good,Row\n"
            + $"comma.{Guid.NewGuid():N}@import.rosette.test,John,Smith, Jr.\n{trailing},Trailing,Commas,,\n";

        var preview = await (await admin.PostAsync(Preview(world), Csv(csv))).IsOkAsync<RosterImportResult>();

        Assert.Equal([(2, ImportOutcome.MalformedRow), (3, ImportOutcome.NewUser), (4, ImportOutcome.MalformedRow), (5, ImportOutcome.NewUser)],
            preview.Details.Select(r => (r.Line, r.Outcome)));
        Assert.Equal("The row's quoting is broken: check its quotes.", preview.Details[0].Message);
        Assert.Equal("The row has 4 values but the header names 3 columns: put a value that contains a comma in double quotes.", preview.Details[2].Message);
        Assert.Equal(("Trailing", "Commas"), (preview.Details[3].FirstName, preview.Details[3].LastName));
    }

    [Fact]
    public async Task Import_RoleAndScopeMatrix()
    {
        var world = await app.NewWorldAsync();
        var csv = $"email,first name,last name\n{world.StudentB1.Email},B,One\n";
        var classInA = await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync("/api/v1/classes", new { name = "In A", organizationId = world.A.Id }))
            .IsOkAsync<ClassDto>(HttpStatusCode.Created);

        var (otherInstructor, studentA1, adminA) = (await app.ClientAsync(world.OtherInstructor), await app.ClientAsync(world.StudentA1), await app.ClientAsync(world.AdminA));

        // Refused, or answered with every row refused: nothing is created or enrolled either way.
        var (instructor, student, adminOfChild, outsideStudent) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await otherInstructor.PostAsync(Import(world), Csv(csv)),
            await studentA1.PostAsync(Preview(world), Csv(csv)),
            await adminA.PostAsync(Import(world), Csv(csv)),
            await (await adminA.PostAsync($"/api/v1/classes/{classInA.Id}/roster-imports", Csv(csv))).IsOkAsync<RosterImportResult>()));

        await instructor.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await student.IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await adminOfChild.IsProblemAsync(HttpStatusCode.NotFound, "class_not_found");
        Assert.Equal(ImportOutcome.OutsideScope, Assert.Single(outsideStudent.Details).Outcome);
        Assert.Equal(0, outsideStudent.Enrolled);
    }

    [Fact]
    public async Task Import_TenThousandRows_CreatesAndEnrollsThemAll()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var csv = new StringBuilder("email,first name,last name\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"s{i}.{tag}@bulk.import.test,Student,{i:D5}\n");
        }

        var result = await (await admin.PostAsync(Import(world), Csv(csv.ToString()))).IsOkAsync<RosterImportResult>();

        Assert.Equal((10_000, 10_000, 0), (result.Rows, result.NewUsers, result.Rejected));
        var roster = await (await admin.GetAsync($"/api/v1/classes/{world.OtherClass.Id}/roster?pageSize=1")).IsOkAsync<RosterResult>();
        Assert.Equal(10_001, roster.Total);
        var stored = await app.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.Email.EndsWith($".{tag}@bulk.import.test") && u.OrganizationId == world.Root.Id));
        Assert.Equal(10_000, stored);
    }
}
