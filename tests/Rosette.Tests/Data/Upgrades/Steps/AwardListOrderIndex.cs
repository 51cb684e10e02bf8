namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>Only an index changes (awards in the award list's order, newest first): every row stays as it was.</summary>
public sealed class AwardListOrderIndex : MigrationData
{
    public override string Migration => "AwardListOrderIndex";
}
