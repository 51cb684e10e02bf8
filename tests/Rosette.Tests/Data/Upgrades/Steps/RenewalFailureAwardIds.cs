namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// A failed pair gains the award its renewal named: none for the pairs stored before, which were an issuance's (a renewal's
/// failures were stored without it). The upgraded app's replayed batch still reports its failure without one
/// (<see cref="DatabaseUpgradeTests"/>).
/// </summary>
public sealed class RenewalFailureAwardIds : MigrationData
{
    public override string Migration => "RenewalFailureAwardIds";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var failure in rows.In("IssuanceFailures"))
        {
            failure.Values["AwardId"] = null;
        }
    }
}
