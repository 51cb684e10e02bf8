namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Awards gain their current credential and renewal time (none before: the award's first credential, never renewed), signed
/// credentials their own id (the award's, for those signed so far), badges a renewal window of 30 days, reminders on at 30, 7
/// and 0 days and no instructions, organizations reminders on, batches no renewals, deliveries no renewal requested; new
/// tables for renewals, reminder notices and webhooks.
/// </summary>
public sealed class RenewalsRemindersAndWebhooks : MigrationData
{
    public override string Migration => "RenewalsRemindersAndWebhooks";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var award in rows.In("Awards"))
        {
            award.Values["CredentialId"] = null;
            award.Values["RenewedAt"] = null;
        }
        foreach (var credential in rows.In("SignedCredentials"))
        {
            credential.Values["CredentialId"] = credential.Values["AwardId"];
        }
        foreach (var badge in rows.In("Badges"))
        {
            badge.Values["RenewalWindowDays"] = 30;
            badge.Values["SendReminders"] = true;
            badge.Values["RenewalInstructions"] = null;
        }
        foreach (var organization in rows.In("Organizations"))
        {
            organization.Values["SendExpiryReminders"] = true;
        }
        foreach (var batch in rows.In("IssuanceBatches"))
        {
            batch.Values["RenewedCount"] = 0;
        }
        foreach (var delivery in rows.In("ProviderDeliveries"))
        {
            delivery.Values["RenewalRequested"] = false;
        }
    }

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        var at = Initial.At.AddDays(20);
        await rows.InsertAsync("CredentialNotices", 2, ("CredentialId", ids.Award), ("Kind", "expiring-30"), ("AwardId", ids.Award), ("DueAt", at),
            ("Mail", true), ("CreatedAt", at), ("ClaimedUntil", null), ("SentAt", at.AddMinutes(1)), ("Attempts", 1));
        var endpoint = Guid.CreateVersion7();
        var webhookEvent = Guid.CreateVersion7();
        await rows.InsertAsync("WebhookEndpoints", ("Id", endpoint), ("OrganizationId", ids.Root), ("Url", "https://lms.example/hooks/rosette"),
            ("Description", "LMS"), ("Events", rows.IsPostgres ? new[] { "award.issued" } : "[\"award.issued\"]"), ("ProtectedSecret", "not-a-real-secret"),
            ("IsEnabled", false), ("CreatedAt", at), ("CreatedById", ids.Admin), ("UpdatedAt", at), ("FailingSince", at), ("DisabledAt", at.AddDays(1)),
            ("DisabledReason", "Failing since 2026-11-22"));
        await rows.InsertAsync("WebhookEvents", ("Id", webhookEvent), ("Type", "award.issued"), ("OrganizationId", ids.Root), ("SubjectId", ids.Award),
            ("OccurredAt", at), ("Payload", "{\"awardId\":\"" + ids.Award + "\"}"));
        var delivery = await rows.InsertGeneratedAsync("WebhookDeliveries", "Id", ("EndpointId", endpoint), ("EventId", webhookEvent), ("SubjectId", ids.Award),
            ("Status", "Failed"), ("Attempts", 12), ("CreatedAt", at), ("NextAttemptAt", at.AddDays(3)), ("FirstAttemptAt", at), ("LastAttemptAt", at.AddDays(3)),
            ("CompletedAt", at.AddDays(3)), ("LastStatusCode", 500), ("LastError", "HTTP 500: down"), ("ClaimedBy", null), ("ClaimedUntil", null));
        await rows.InsertGeneratedAsync("WebhookAttempts", "Id", ("DeliveryId", delivery), ("EndpointId", endpoint), ("EventId", webhookEvent),
            ("At", at.AddDays(3)), ("StatusCode", 500), ("Error", "HTTP 500: down"), ("DurationMs", 42));
    }

    /// <summary>Badges stored before remind at 30, 7 and 0 days (a JSON array on SQLite, an integer array on PostgreSQL).</summary>
    public override async Task CheckAsync(SeededRows rows, System.Data.Common.DbConnection connection)
    {
        foreach (var badge in rows.In("Badges"))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT \"ReminderDays\" FROM \"Badges\" WHERE \"Id\" = @id";
            var id = command.CreateParameter();
            id.ParameterName = "@id";
            id.Value = rows.IsPostgres ? badge.Values["Id"]! : ((Guid)badge.Values["Id"]!).ToString().ToUpperInvariant();
            command.Parameters.Add(id);
            var days = await command.ExecuteScalarAsync();
            Assert.Equal([30, 7, 0], days is int[] array ? array : System.Text.Json.JsonSerializer.Deserialize<int[]>((string)days!)!);
        }
    }
}
