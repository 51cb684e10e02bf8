namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Only a table is added (the page cookie's server-side sessions), empty: every row stays as it was. Cookies issued
/// before the upgrade carried the whole ticket, not a session key, so they no longer sign anyone in: signing in again
/// stores a session (<see cref="DatabaseUpgradeTests"/>).
/// </summary>
public sealed class SignInSessions : MigrationData
{
    public override string Migration => "SignInSessions";
}
