namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>Only an index changes (batches newest first, for the dashboard): every row stays as it was.</summary>
public sealed class RecentBatchesIndex : MigrationData
{
    public override string Migration => "RecentBatchesIndex";
}
