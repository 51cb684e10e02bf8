namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Only a table is added (the dashboard's counted figures per scope, decision 0026), empty: every row stays as it was. The
/// upgraded app's dashboard view stores its count there (<see cref="DatabaseUpgradeTests"/>).
/// </summary>
public sealed class DashboardFigures : MigrationData
{
    public override string Migration => "DashboardFigures";
}
