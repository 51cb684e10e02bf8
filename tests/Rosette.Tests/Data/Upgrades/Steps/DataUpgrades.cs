using Microsoft.AspNetCore.Identity;
using Rosette.Domain.Users;

namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// A table of data upgrades is added, holding one pending upgrade, <c>normalize-email-domains</c>, which the app makes at
/// its next start: no existing row changes with the migration itself. Seeded: an instructor whose address has an
/// internationalized domain, written as the earlier release wrote it (its normalized form upper-cased only); the app,
/// once started on the upgraded database, signs them in by the domain's ASCII spelling (<see cref="DatabaseUpgradeTests"/>).
/// </summary>
public sealed class DataUpgrades : MigrationData
{
    public const string UnicodeEmail = "upgrade.lehrer@bücher.example";
    public const string AsciiEmail = "upgrade.lehrer@xn--bcher-kva.example";

    public override string Migration => "DataUpgrades";

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        var hash = new PasswordHasher<User>().HashPassword(User.Create(UnicodeEmail, "L", "L", ids.Root, UserRole.Instructor, Initial.At).Value, SeedIds.Password);
        await rows.InsertAsync("Users", ("Id", Guid.CreateVersion7()), ("Email", UnicodeEmail), ("NormalizedEmail", UnicodeEmail.ToUpperInvariant()),
            ("FirstName", "Lena"), ("LastName", "Lehrer"), ("OrganizationId", ids.Root), ("Role", "Instructor"), ("IsSystemAdministrator", false),
            ("ParticipateInAchievements", true), ("IsActive", true), ("CreatedAt", Initial.At), ("SearchText", $"lena lehrer {UnicodeEmail}"),
            ("PasswordHash", hash), ("SecurityStamp", Guid.NewGuid().ToString("N")), ("AccessFailedCount", 0), ("LockoutEnd", null));
    }

    public override async Task CheckAsync(SeededRows rows, System.Data.Common.DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Name" FROM "DataUpgrades" WHERE "DoneAt" IS NULL""";
        Assert.Equal("normalize-email-domains", await command.ExecuteScalarAsync());
    }
}
