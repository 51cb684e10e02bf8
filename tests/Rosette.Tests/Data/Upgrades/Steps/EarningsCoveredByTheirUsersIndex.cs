namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Only an index changes (a user's earnings, now with their time and points, for the achievement worker): every row stays as
/// it was.
/// </summary>
public sealed class EarningsCoveredByTheirUsersIndex : MigrationData
{
    public override string Migration => "EarningsCoveredByTheirUsersIndex";
}
