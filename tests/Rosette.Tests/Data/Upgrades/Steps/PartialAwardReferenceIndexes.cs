namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>Only indexes change (the awards' optional references are indexed where set): every row stays as it was.</summary>
public sealed class PartialAwardReferenceIndexes : MigrationData
{
    public override string Migration => "PartialAwardReferenceIndexes";
}
