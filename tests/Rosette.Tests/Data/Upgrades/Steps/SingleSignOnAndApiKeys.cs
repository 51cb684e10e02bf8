using System.Data.Common;

namespace Rosette.Tests.Data.Upgrades.Steps;

/// <summary>
/// Batches gain the API key that asked for them (none for batches before: people asked), and new tables hold API keys,
/// sign-in connections with their email domains, and the external logins that link a provider's subject to a user.
/// </summary>
public sealed class SingleSignOnAndApiKeys : MigrationData
{
    private readonly Guid _connection = Guid.CreateVersion7();

    public override string Migration => "SingleSignOnAndApiKeys";

    public override void Upgrade(SeededRows rows)
    {
        foreach (var batch in rows.In("IssuanceBatches"))
        {
            batch.Values["ApiKeyId"] = null;
        }
    }

    public override async Task SeedAsync(SeededRows rows, SeedIds ids)
    {
        var key = Guid.CreateVersion7();
        await rows.InsertAsync("ApiKeys", ("Id", key), ("Name", "Upgrade lab platform"), ("OrganizationId", ids.Child), ("Permissions", 3),
            ("SecretHash", new string('a', 64)), ("Hint", "rk_abcd"), ("CreatedById", ids.Admin), ("CreatedAt", Initial.At),
            ("ExpiresAt", Initial.At.AddDays(90)), ("RevokedAt", null), ("RevokedById", null), ("LastUsedAt", Initial.At.AddHours(3)));
        await rows.InsertAsync("IssuanceBatches", ("Id", Guid.CreateVersion7()), ("Source", "Roster"), ("ClassId", ids.Class),
            ("CourseAssignmentId", null), ("IssuedById", null), ("ApiKeyId", key), ("CreatedAt", Initial.At.AddHours(3)), ("BadgeCount", 1),
            ("StudentCount", 1), ("IssuedCount", 0), ("FailedCount", 1), ("Narrative", null), ("SuppressNotifications", true),
            ("IdempotencyKey", SeedIds.BatchKey), ("RequestHash", new string('b', 64)), ("RenewedCount", 0));
        await rows.InsertAsync("SignInConnections", ("Id", _connection), ("OrganizationId", ids.Child), ("DisplayName", "Upgrade Entra ID"),
            ("Issuer", "https://login.upgrade.test/tenant/v2.0"), ("ClientId", "rosette"), ("ProtectedClientSecret", "CfDJ8-protected"),
            ("CreateUsers", true), ("CreatedUserRole", "Student"), ("AllowPasswords", false), ("CreatedAt", Initial.At), ("UpdatedAt", Initial.At),
            ("Version", 1));
        await rows.InsertAsync("SignInConnectionDomains", ("Domain", "upgrade.test"), ("ConnectionId", _connection));
        await rows.InsertAsync("ExternalLogins", 2, ("ConnectionId", _connection), ("Subject", "upgrade-subject-1"), ("UserId", ids.Student),
            ("CreatedAt", Initial.At), ("LastSignInAt", Initial.At.AddHours(1)));
    }

    /// <summary>The database backs the rules that must survive concurrency: one connection per organization, a domain in one connection.</summary>
    public override async Task CheckAsync(SeededRows rows, DbConnection connection)
    {
        var secondId = rows.IsPostgres ? (object)Guid.NewGuid() : Guid.NewGuid().ToString().ToUpperInvariant();
        await Refused(connection, "INSERT INTO \"SignInConnections\" (\"Id\", \"OrganizationId\", \"DisplayName\", \"Issuer\", \"ClientId\", "
            + "\"ProtectedClientSecret\", \"CreateUsers\", \"CreatedUserRole\", \"AllowPasswords\", \"CreatedAt\", \"UpdatedAt\", \"Version\") "
            + "SELECT @id, \"OrganizationId\", 'Second', \"Issuer\", \"ClientId\", \"ProtectedClientSecret\", \"CreateUsers\", \"CreatedUserRole\", "
            + "\"AllowPasswords\", \"CreatedAt\", \"UpdatedAt\", 1 FROM \"SignInConnections\"", secondId);
        await Refused(connection, "INSERT INTO \"SignInConnectionDomains\" (\"Domain\", \"ConnectionId\") SELECT 'upgrade.test', \"Id\" FROM \"SignInConnections\"", null);
    }

    private static async Task Refused(DbConnection connection, string sql, object? id)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (id is not null)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@id";
            parameter.Value = id;
            command.Parameters.Add(parameter);
        }
        await Assert.ThrowsAnyAsync<DbException>(() => command.ExecuteNonQueryAsync());
    }
}
