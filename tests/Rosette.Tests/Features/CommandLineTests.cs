using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The CLI verbs run in-process against the same kind of database as the lane.</summary>
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
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await RosetteCommandLine.RunAsync(["--help"]));
        }
        finally
        {
            Console.SetOut(original);
        }
        foreach (var verb in new[] { "migrate", "users", "demo", "--demo" })
        {
            Assert.Contains(verb, output.ToString(), StringComparison.Ordinal);
        }
    }
}
