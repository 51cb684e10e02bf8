namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Organizations gain a language (none for those before), providers who mails their earners (Rosette, as before), and
/// credentials their subject ids and status list entries (new tables, filled as credentials are signed).
/// </summary>
public sealed class StatusListsSubjectsAndDeliverySettings : MigrationData
{
    public override string Migration => "StatusListsSubjectsAndDeliverySettings";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var organization in rows.In("Organizations"))
        {
            organization.Values["Language"] = null;
        }
        foreach (var provider in rows.In("BadgeProviders"))
        {
            provider.Values["Notifications"] = "Rosette";
        }
    }

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        var montreal = Guid.CreateVersion7();
        await rows.InsertAsync("Organizations", ("Id", montreal), ("Name", "Upgrade Académie"), ("ParentId", ids.Root),
            ("Path", $"/{ids.Root:N}/{montreal:N}/"), ("EnableAchievements", false), ("CreatedAt", Initial.At), ("Language", "fr-CA"));
        await rows.InsertAsync("CredentialSubjects", 2, ("StudentId", ids.Student), ("OrganizationId", ids.Root), ("SubjectId", Guid.NewGuid()),
            ("CreatedAt", Initial.At));
    }
}
