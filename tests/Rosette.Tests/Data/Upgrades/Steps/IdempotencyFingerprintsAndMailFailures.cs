namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Batches gain the fingerprint of their request (none for batches stored before: any retry with their key replays them),
/// mail notifications the time they were given up and the last error (none for mail sent or pending before).
/// </summary>
public sealed class IdempotencyFingerprintsAndMailFailures : MigrationData
{
    public const string FailedError = "The mail server answered 550: mailbox unavailable";

    public override string Migration => "IdempotencyFingerprintsAndMailFailures";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var batch in rows.In("IssuanceBatches"))
        {
            batch.Values["RequestHash"] = null;
        }
        foreach (var notification in rows.In("AwardNotifications"))
        {
            notification.Values["FailedAt"] = null;
            notification.Values["LastError"] = null;
        }
    }

    public override Task SeedAsync(SeededRows rows, SeedIds ids) =>
        rows.InsertAsync("AwardNotifications", 2, ("AwardId", ids.RevokedAward), ("Kind", "Revoked"), ("ClaimedUntil", null), ("SentAt", null),
            ("Attempts", 2), ("FailedAt", Initial.At.AddHours(2)), ("LastError", FailedError));
}
