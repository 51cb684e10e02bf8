using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rosette.Features.Accounts;
using Rosette.Features.Classes;
using Rosette.Features.Demo;
using Rosette.Features.Organizations;
using Rosette.Features.Users;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Rosette as operators start it, a separate process: what it prints once, how it logs, and what it refuses at start.</summary>
[Collection(ProcessWideTracing.Name)]
public sealed partial class StartupTests
{
    /// <summary>No configured administrator (the random password), JSON console logs with request lines.</summary>
    private static readonly Dictionary<string, string> FirstStart = new()
    {
        ["Rosette:Bootstrap:AdminEmail"] = "",
        ["Rosette:Bootstrap:AdminPassword"] = "",
        ["Logging:Console:FormatterName"] = "json",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    };

    [GeneratedRegex(@"created the administrator admin@localhost with the password (\S+) \(shown only this once\)")]
    private static partial Regex PrintedPassword();

    private static async Task<HttpClient> SignInAsync(AppProcess app, string email, string password)
    {
        var client = app.CreateClient();
        var token = await (await client.PostJsonAsync("/api/v1/auth/token", new { email, password })).IsOkAsync<TokenResponse>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    [Fact]
    public async Task FirstStart_PrintsTheAdministratorsPasswordOnce_LogsJson_AndAnInstanceWithAnotherCertificateIsRefused()
    {
        await using var database = await TestDatabase.CreateAsync();
        string token;
        await using (var first = await AppProcess.StartAsync(database, FirstStart))
        {
            var printed = PrintedPassword().Match(first.Output);
            Assert.True(printed.Success, first.Output);
            var admin = await SignInAsync(first, "admin@localhost", printed.Groups[1].Value);
            token = admin.DefaultRequestHeaders.Authorization!.Parameter!;
            var trace = ActivityTraceId.CreateRandom();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/organizations");
            request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            var organizations = await (await admin.SendAsync(request)).IsOkAsync<Paged<OrganizationDto>>();
            var issuer = JsonDocument.Parse(await first.CreateClient().GetStringAsync($"/ob3/issuers/{Assert.Single(organizations.Items).Id}")).RootElement;

            // Without Rosette:PublicBaseUrl, ids are built on the address Rosette listens on (--urls).
            Assert.StartsWith($"{first.Address.ToString().TrimEnd('/')}/ob3/issuers/", issuer.GetProperty("id").GetString(), StringComparison.Ordinal);
            // A generous limit: the console logger writes from its own queue, late on a loaded machine.
            try
            {
                await Eventually.TrueAsync(() => Task.FromResult(JsonLines(first.Output).Any(line => TraceIdOf(line) == trace.ToHexString()
                    && line.GetProperty("Category").GetString() == "Microsoft.AspNetCore.Hosting.Diagnostics")), "a JSON log line of the request with its trace id");
            }
            catch (Xunit.Sdk.FailException)
            {
                // Say what the request lines carried instead, so that a failure explains itself.
                var requestLines = JsonLines(first.Output).Where(line => line.GetProperty("Category").GetString() == "Microsoft.AspNetCore.Hosting.Diagnostics")
                    .Select(line => $"{TraceIdOf(line) ?? "(no trace id)"} {line.GetProperty("Message").GetString()}");
                Assert.Fail($"No request line carries the trace id {trace.ToHexString()} that the request was sent with. Request lines:\n{string.Join("\n", requestLines)}");
            }
            Assert.All(JsonLines(first.Output), line => Assert.True(line.TryGetProperty("LogLevel", out _)));
            // Starting on an empty database is no failure: nothing at Error or above. On PostgreSQL, EF Core's first read of
            // the migrations history (which it then creates) fails with 42P01 by design, and was logged as a failed command.
            var errors = JsonLines(first.Output).Where(line => line.GetProperty("LogLevel").GetString() is "Error" or "Critical").Select(line => line.GetRawText()).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }

        var otherCertificate = Path.Combine(Path.GetTempPath(), "rosette-tests", $"other-{Guid.NewGuid():N}.pfx");
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                AppProcess.StartAsync(database, new Dictionary<string, string>(FirstStart) { ["Rosette:DataProtection:CertificatePath"] = otherCertificate }));

            Assert.Contains("Rosette exited with 1", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Rosette: cannot start: the Data Protection key ring in the database was encrypted with another certificate than "
                + Path.GetFullPath(otherCertificate), refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(otherCertificate);
        }

        await using var again = await AppProcess.StartAsync(database, FirstStart);
        var client = again.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Assert.DoesNotContain("password", again.Output, StringComparison.OrdinalIgnoreCase);
        // The refused instance left the key ring as it was: the first instance's token still reads.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/organizations")).StatusCode);
    }

    [Fact]
    public async Task Demo_SeedsAnEmptyDatabase_AndPrintsLoginsThatWork()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var demo = await AppProcess.StartAsync(database, new Dictionary<string, string>(), "--demo");

        Assert.Contains($"Rosette demo logins (password for all: {DemoSeed.Password})", demo.Output, StringComparison.Ordinal);
        var admin = await SignInAsync(demo, DemoSeed.AdministratorEmail, DemoSeed.Password);
        var students = await (await admin.GetAsync("/api/v1/users?role=student&pageSize=100")).IsOkAsync<Paged<UserDto>>();
        var contractor = await SignInAsync(demo, DemoSeed.ContractInstructorEmail, DemoSeed.Password);
        var classes = await (await contractor.GetAsync("/api/v1/classes")).IsOkAsync<Paged<ClassDto>>();
        var student = await SignInAsync(demo, DemoSeed.StudentEmail, DemoSeed.Password);

        Assert.Equal(40, students.Total);
        Assert.Contains(classes.Items, c => c.Name == DemoSeed.NetworkingClass);
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync("/api/v1/awards")).StatusCode);
        Assert.DoesNotContain(RosetteFactory.AdminEmail, demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_WhileStartUpWaitsForTheMigrationLock_StopsInOneLine_WithZero()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var otherInstance = await HoldMigrationLockAsync(database);
        await using var app = AppProcess.Launch(database, new Dictionary<string, string>
        {
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Migrations"] = "Information",
        });
        if (database.IsPostgres)
        {
            await Eventually.TrueAsync(() => WaitsForALockAsync(database), "start-up waiting for the migration lock");
        }
        else
        {
            await app.OutputAsync("Acquiring an exclusive lock for migration application").Within("start-up waiting for the migration lock");
        }

        var code = await app.TerminateAsync();

        // A shutdown the operator asked for is not a failure, during start-up as after it.
        Assert.Equal(0, code);
        Assert.Contains("Rosette stopped before start-up finished: a shutdown was requested.", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_WhileMigrateWaitsForTheMigrationLock_StopsInOneLine_WithOne()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var otherInstance = await HoldMigrationLockAsync(database);
        await using var migrate = AppProcess.LaunchCommand(database, new Dictionary<string, string>
        {
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Migrations"] = "Information",
        }, "migrate");
        if (database.IsPostgres)
        {
            await Eventually.TrueAsync(() => WaitsForALockAsync(database), "migrate waiting for the migration lock");
        }
        else
        {
            await migrate.OutputAsync("Acquiring an exclusive lock for migration application").Within("migrate waiting for the migration lock");
        }

        var code = await migrate.TerminateAsync();

        // The command's work was not done, so not 0 (docs/operations.md, Stopping); one line says why, no stack trace.
        Assert.True(code == 1, $"exit {code}:\n{migrate.Output}");
        var stops = migrate.Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains("stopped", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(["Rosette: stopped before the command finished: a shutdown was requested."], stops);
        Assert.DoesNotContain("   at ", migrate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", migrate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", migrate.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("up to date", migrate.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// What another instance migrating the database holds: on SQLite EF Core's row in __EFMigrationsLock, on PostgreSQL its
    /// exclusive lock on the history table, kept until the returned connection is disposed.
    /// </summary>
    private static async Task<System.Data.Common.DbConnection> HoldMigrationLockAsync(TestDatabase database)
    {
        System.Data.Common.DbConnection connection = database.IsPostgres
            ? new Npgsql.NpgsqlConnection(database.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        // One statement a command: a PostgreSQL batch is one implicit transaction, and the table must be committed before the lock.
        string[] statements = database.IsPostgres
            ? ["""CREATE TABLE "__EFMigrationsHistory" ("MigrationId" character varying(150) NOT NULL PRIMARY KEY, "ProductVersion" character varying(32) NOT NULL)""",
                "BEGIN", """LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE"""]
            : ["""CREATE TABLE "__EFMigrationsLock" ("Id" INTEGER NOT NULL PRIMARY KEY, "Timestamp" TEXT NOT NULL)""",
                """INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-01-01 00:00:00+00:00')"""];
        foreach (var statement in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync();
        }
        return connection;
    }

    /// <summary>Whether another session of the database waits for a lock (PostgreSQL; EF Core logs nothing while it waits there).</summary>
    private static async Task<bool> WaitsForALockAsync(TestDatabase database)
    {
        // Not on the holder's connection: inside a transaction pg_stat_activity answers from one snapshot.
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static List<JsonElement> JsonLines(string output) => output.Split('\n')
        .Select(l => l.Trim()).Where(l => l.StartsWith('{'))
        .Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string? TraceIdOf(JsonElement line) =>
        line.TryGetProperty("Scopes", out var scopes)
            ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
                .Select(s => s.GetProperty("TraceId").GetString()).FirstOrDefault()
            : null;
}
