using System.Data.Common;
using System.Globalization;

namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// The dashboard's tallies: a new table, filled from the awards already there (the backfill), then kept by triggers on
/// Awards. No existing row changes. An award written after the migration (no class, so the "no class" tally) must be
/// counted by the trigger; the tallies must then hold, per badge, class and UTC day, every award seeded so far.
/// </summary>
public sealed class AwardTallies : MigrationData
{
    public override string Migration => "AwardTallies";

    public override Task SeedAsync(SeededRows rows, SeedIds ids) =>
        rows.InsertAsync("Awards", ("Id", Guid.CreateVersion7()), ("BadgeId", ids.Badge), ("StudentId", ids.OtherStudent),
            ("IssuedAt", new DateTime(2026, 11, 30, 23, 59, 59, DateTimeKind.Utc)), ("IssuedById", null), ("Source", "Achievement"), ("ClassId", null),
            ("CourseAssignmentId", null), ("BatchId", null), ("Narrative", null), ("ExpiresAt", null),
            ("RecipientSalt", Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())), ("RevokedAt", null), ("RevokedById", null),
            ("RevocationReason", null), ("CredentialId", null), ("RenewedAt", null));

    public override async Task CheckAsync(SeededRows rows, DbConnection connection)
    {
        var expected = rows.In("Awards")
            .GroupBy(a => ((Guid)a.Values["BadgeId"]!, (Guid?)a.Values["ClassId"] ?? Guid.Empty, DateOnly.FromDateTime((DateTime)a.Values["IssuedAt"]!)))
            .Select(g => $"{g.Key.Item1} {g.Key.Item2} {g.Key.Item3:yyyy-MM-dd} issued {g.Count()} revoked {g.Count(a => a.Values["RevokedAt"] is not null)}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count >= 3, "the seeded awards cover at least three tallies");
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"BadgeId\", \"ClassId\", \"Day\", \"Issued\", \"Revoked\" FROM \"AwardTallies\"";
        await using var reader = await command.ExecuteReaderAsync();
        var tallies = new List<string>();
        while (await reader.ReadAsync())
        {
            var day = reader.GetValue(2) switch
            {
                DateOnly d => d,
                DateTime t => DateOnly.FromDateTime(t),
                var text => DateOnly.Parse((string)text, CultureInfo.InvariantCulture),
            };
            tallies.Add($"{Guid.Parse(reader.GetValue(0).ToString()!)} {Guid.Parse(reader.GetValue(1).ToString()!)} {day:yyyy-MM-dd} "
                + $"issued {Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture)} revoked {Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture)}");
        }
        Assert.Equal(expected, tallies.Order(StringComparer.Ordinal));
    }
}
