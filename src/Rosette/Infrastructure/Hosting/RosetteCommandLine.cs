using System.CommandLine;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Credentials;
using Rosette.Features.Users;

namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// One executable: without a verb it serves the app (<c>--demo</c> seeds an empty database); with a verb it runs
/// that verb against the configured database and exits. Unrecognised options pass through as configuration
/// (<c>--urls</c>, <c>--ConnectionStrings:Rosette=...</c>).
/// </summary>
public static class RosetteCommandLine
{
    private static readonly string[] Verbs = ["migrate", "users", "demo", "keys", "--help", "-h", "-?", "--version"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && Verbs.Contains(args[0]))
        {
            return await Build().Parse(args).InvokeAsync();
        }
        return await ServeAsync(args);
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        var demo = args.Contains("--demo");
        var builder = CreateBuilder(args.Where(a => a != "--demo").ToArray());
        if (demo)
        {
            builder.Configuration["Rosette:Demo"] = "true";
        }
        builder.AddRosette();
        var app = builder.Build();
        app.UseRosette();
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"Rosette: cannot start: {e.Message}");
            return 1;
        }
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("Rosette: badges for class-based training. Without a command, serves the app on http://localhost:5000.");
        root.Options.Add(new Option<bool>("--demo") { Description = "Serve, seeding an empty database with demo data and printing the demo logins." });
        root.Options.Add(new Option<string>("--urls") { Description = "Addresses to listen on, e.g. http://localhost:5000." });

        var migrate = Verb("migrate", "Apply pending database migrations, then exit.");
        migrate.SetAction(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: false);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider.GetRequiredService<RosetteDb>(), ct);
            Console.WriteLine("Rosette: the database is up to date.");
            return 0;
        });

        var demo = Verb("demo", "Add the demo data to an empty database (migrating it first) and print the demo logins.");
        demo.SetAction(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: false);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider.GetRequiredService<RosetteDb>(), ct);
            await scope.ServiceProvider.GetRequiredService<Bootstrap>().SeedDemoAsync(Console.Out, ct);
            return 0;
        });

        var users = new Command("users", "Manage users.");
        users.Subcommands.Add(CreateUserVerb());
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(demo);
        root.Subcommands.Add(users);
        root.Subcommands.Add(KeysVerb());
        return root;
    }

    private static Command KeysVerb()
    {
        var rotate = Verb("rotate", "Make a new credential signing key current; the old one is retired but stays published, so credentials it signed keep verifying.");
        rotate.SetAction(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: true);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider.GetRequiredService<RosetteDb>(), ct);
            var key = await scope.ServiceProvider.GetRequiredService<SigningKeysHandler>().RotateAsync(ct);
            Console.WriteLine($"Rosette: the current signing key is now {scope.ServiceProvider.GetRequiredService<CredentialUrls>().Key(key.Id)}.");
            return 0;
        });
        var keys = new Command("keys", "Manage the keys that sign credentials.");
        keys.Subcommands.Add(rotate);
        return keys;
    }

    private static Command CreateUserVerb()
    {
        var email = new Option<string>("--email") { Description = "Email address (the login).", Required = true };
        var firstName = new Option<string>("--first-name") { Description = "First name.", Required = true };
        var lastName = new Option<string>("--last-name") { Description = "Last name.", Required = true };
        var role = new Option<UserRole>("--role") { Description = "administrator, instructor or student.", Required = true };
        var organization = new Option<Guid>("--organization") { Description = "Id of the user's organization.", Required = true };
        var password = new Option<string?>("--password") { Description = "Password; a random one is printed when omitted." };
        var systemAdministrator = new Option<bool>("--system-administrator") { Description = "Make an administrator a system administrator (scope: every organization)." };
        var create = Verb("create", "Create a user.");
        foreach (var option in new Option[] { email, firstName, lastName, role, organization, password, systemAdministrator })
        {
            create.Options.Add(option);
        }
        create.SetAction(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: true);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider.GetRequiredService<RosetteDb>(), ct);
            var chosenPassword = parse.GetValue(password);
            var request = new CreateUserRequest(parse.GetValue(email), parse.GetValue(firstName), parse.GetValue(lastName),
                parse.GetValue(organization), parse.GetValue(role), chosenPassword ?? Bootstrap.RandomPassword(), true);
            var handler = scope.ServiceProvider.GetRequiredService<UsersHandler>();
            var created = await handler.CreateAsync(Actor.System, request, ct);
            if (!created.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"Rosette: {created.Error.Code}: {created.Error.Message}");
                return 1;
            }
            if (parse.GetValue(systemAdministrator))
            {
                if (await handler.MakeSystemAdministratorAsync(created.Value.Id, ct) is { } error)
                {
                    await Console.Error.WriteLineAsync($"Rosette: {error.Code}: {error.Message}");
                    return 1;
                }
            }
            Console.WriteLine($"Rosette: created {created.Value.Role.ToString().ToLowerInvariant()} {created.Value.Email} (id {created.Value.Id})"
                + (chosenPassword is null ? $" with the password {request.Password} (shown only this once)." : "."));
            return 0;
        });
        return create;
    }

    /// <summary>
    /// Settings come from beside the executable while relative data paths (./data) follow the caller's folder,
    /// unless a host (such as the test host) names the content root itself.
    /// </summary>
    private static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
        });

    private static Command Verb(string name, string description) =>
        new(name, description) { TreatUnmatchedTokensAsErrors = false };

    private static WebApplication BuildServices(ParseResult parse, bool migrateOnStart)
    {
        var builder = CreateBuilder(parse.UnmatchedTokens.ToArray());
        builder.Configuration["Rosette:Database:MigrateOnStart"] = migrateOnStart.ToString();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddRosette();
        return builder.Build();
    }
}
