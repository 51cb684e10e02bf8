using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Tests that swap the process's Console.Out and Console.Error run alone, so that no other test's output lands in theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessConsole
{
    public const string Name = "Process console";
}

/// <summary>The CLI verbs run in-process against the same kind of database as the lane.</summary>
[Collection(ProcessConsole.Name)]
public sealed class CommandLineTests(AppFixture app) : IClassFixture<AppFixture>
{
    private string[] Config => [
        $"--Rosette:Database:Provider={app.Database.Provider}",
        $"--ConnectionStrings:Rosette={app.Database.ConnectionString}",
        $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}",
    ];

    [Fact]
    public async Task UsersCreate_ValidArguments_CreatesTheUser_AndMigrateIsIdempotent()
    {
        var world = await app.NewWorldAsync();
        var email = $"cli.{Guid.NewGuid():N}@rosette.test";

        var migrated = await RosetteCommandLine.RunAsync(["migrate", .. Config]);
        var created = await RosetteCommandLine.RunAsync([
            "users", "create", "--email", email, "--first-name", "Cli", "--last-name", "User", "--role", "administrator",
            "--organization", world.A.Id.ToString(), "--password", "cli-password-1", "--system-administrator", .. Config]);

        Assert.Equal((0, 0), (migrated, created));
        var user = await app.Factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
        Assert.Equal((UserRole.Administrator, true, world.A.Id), (user.Role, user.IsSystemAdministrator, user.OrganizationId));
    }

    [Fact]
    public async Task UsersCreate_InvalidEmail_ExitsWithOne()
    {
        var world = await app.NewWorldAsync();

        var code = await RosetteCommandLine.RunAsync([
            "users", "create", "--email", "not-an-email", "--first-name", "A", "--last-name", "B", "--role", "student",
            "--organization", world.A.Id.ToString(), .. Config]);

        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Help_ListsTheVerbs()
    {
        var run = await RunCapturedAsync("--help");

        Assert.Equal(0, run.Code);
        foreach (var verb in new[] { "migrate", "users", "demo", "--demo" })
        {
            Assert.Contains(verb, run.Out, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task UnknownVerb_Typo_RefusedWithoutServing()
    {
        var run = await RunCapturedAsync(["migrat", "--urls", "http://127.0.0.1:0", .. Config]);

        AssertRefusedInOneLine(run, "Rosette: unknown command 'migrat'");
    }

    [Theory]
    [InlineData("garbage=1;;")]
    [InlineData("Host=;;Port=notanumber")]
    public async Task Migrate_UnreadableConnectionString_ReportsTheSetting(string connectionString)
    {
        var run = await RunCapturedAsync("migrate", $"--Rosette:Database:Provider={app.Database.Provider}",
            $"--ConnectionStrings:Rosette={connectionString}", $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}");

        AssertRefusedInOneLine(run, "ConnectionStrings:Rosette is not a valid");
    }

    [Fact]
    public async Task Migrate_SqliteFileThatCannotBeCreated_ReportsTheDatabase()
    {
        var run = await RunCapturedAsync("migrate", "--Rosette:Database:Provider=sqlite",
            $"--ConnectionStrings:Rosette=Data Source=/proc/rosette-{Guid.NewGuid():N}.db", $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}");

        AssertRefusedInOneLine(run, "the SQLite database named by ConnectionStrings:Rosette cannot be created");
    }

    [Theory]
    [InlineData("")]
    [InlineData("keys rotate")]
    public async Task ServeOrVerb_UrlsNotAUrl_ReportsTheAddress(string verb)
    {
        var run = await RunCapturedAsync([.. verb.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--urls", "notaurl", .. Config]);

        AssertRefusedInOneLine(run, "an address to listen on (--urls or ASPNETCORE_URLS, ';' between several) must be an absolute http(s) URL without query or fragment, not 'notaurl'.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("migrate")]
    public async Task ServeOrVerb_UrlsListingANonUrl_ReportsThatAddress(string verb)
    {
        var run = await RunCapturedAsync([.. verb.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--urls", "http://127.0.0.1:0;notaurl", .. Config]);

        AssertRefusedInOneLine(run, "must be an absolute http(s) URL without query or fragment, not 'notaurl'.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("migrate")]
    public async Task ServeOrVerb_PostgresUnreachable_NamesTheServerNotThePassword(string verb)
    {
        // Nothing listens on port 1: the connection is refused at once, without a PostgreSQL server.
        var run = await RunCapturedAsync([.. verb.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--urls", "http://127.0.0.1:0",
            "--Rosette:Database:Provider=postgres", "--ConnectionStrings:Rosette=Host=127.0.0.1;Port=1;Username=rosette;Password=never-shown-7;Database=rosette",
            $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}"]);

        AssertRefusedInOneLine(run, "Rosette: cannot start: cannot connect to the database at 127.0.0.1:1 (ConnectionStrings:Rosette): ");
        Assert.DoesNotContain("never-shown-7", run.Out + run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Rosette:Bootstrap:AdminEmail", "not-an-email", "Rosette: cannot start: Rosette:Bootstrap:AdminEmail is invalid: ")]
    [InlineData("Rosette:Bootstrap:AdminPassword", "tiny-pw", "Rosette: cannot start: Rosette:Bootstrap:AdminPassword does not meet the password rules: ")]
    public async Task Serve_InvalidBootstrapAdministrator_NamesTheSettingNotThePassword(string setting, string value, string expected)
    {
        await using var database = await TestDatabase.CreateAsync();

        var run = await RunCapturedAsync("--urls", "http://127.0.0.1:0", $"--Rosette:Database:Provider={database.Provider}",
            $"--ConnectionStrings:Rosette={database.ConnectionString}", $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}",
            $"--{setting}={value}");

        AssertRefusedInOneLine(run, expected);
        Assert.DoesNotContain("tiny-pw", run.Out + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersCreate_EmailTaken_ReportsEmailTakenWithoutDatabaseLogs()
    {
        var world = await app.NewWorldAsync();
        string[] create = ["users", "create", "--email", $"cli.{Guid.NewGuid():N}@rosette.test", "--first-name", "A", "--last-name", "B",
            "--role", "student", "--organization", world.A.Id.ToString(), "--password", "cli-password-1", .. Config];

        var first = await RunCapturedAsync(create);
        var again = await RunCapturedAsync(create);

        Assert.Equal(0, first.Code);
        AssertRefusedInOneLine(again, "Rosette: email_taken: ");
        Assert.DoesNotContain("fail:", again.Out, StringComparison.Ordinal);
    }

    private static void AssertRefusedInOneLine((int Code, string Out, string Error) run, string expected)
    {
        Assert.Equal(1, run.Code);
        Assert.Contains(expected, Assert.Single(run.Error.Trim().Split('\n')), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Out + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Out + run.Error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Error)> RunCapturedAsync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await RosetteCommandLine.RunAsync(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
