using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Credentials;
using Rosette.Features.Users;

namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// One executable: without a verb it serves the app (<c>--demo</c> seeds an empty database); with a verb it runs
/// that verb against the configured database and exits. Unrecognised options pass through as configuration
/// (<c>--urls</c>, <c>--ConnectionStrings:Rosette=...</c>). A first word that is not a verb is refused, and a
/// <see cref="StartupException"/> (a setting to fix) is one line on stderr: both exit with 1, without a stack trace. A shutdown
/// requested (SIGTERM, Ctrl+C) while serving, start-up included, exits with 0; one that stops a verb is one line and 1.
/// </summary>
public static class RosetteCommandLine
{
    private static readonly string[] ParserOptions = ["--help", "-h", "-?", "--version"];

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            // A first word is a verb, or a typo the parser refuses; options and key=value settings alone serve.
            if (args.Length > 0 && ((!args[0].StartsWith('-') && !args[0].Contains('=')) || ParserOptions.Contains(args[0])))
            {
                // SIGTERM and Ctrl+C are caught from here on, not only once the verb's work first waits: System.CommandLine
                // registers its own handler after that, and a signal before it ended the process with 143 and no word.
                using var stop = new CancellationTokenSource();
                using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, stop));
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, stop));
                var parse = Build(stop.Token).Parse(args);
                if (parse.Action is ParseErrorAction error)
                {
                    error.ShowHelp = false;
                }
                try
                {
                    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
                }
                catch (OperationCanceledException e) when (e.CancellationToken.IsCancellationRequested)
                {
                    // SIGTERM or Ctrl+C: the verb stopped where it was asked to; its work is not done, so not 0.
                    await Console.Error.WriteLineAsync("Rosette: stopped before the command finished: a shutdown was requested.");
                    return 1;
                }
                catch (Exception e) when (e is not StartupException)
                {
                    // As System.CommandLine's own handler does: an exception nobody expected keeps its stack trace, and exits with 1.
                    await Console.Error.WriteLineAsync($"Unhandled exception: {e}");
                    return 1;
                }
            }
            return await ServeAsync(args);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"Rosette: cannot start: {e.Message}");
            return 1;
        }
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
        var stopping = app.Lifetime.ApplicationStopping;
        try
        {
            await app.RunAsync();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped during start-up (DatabaseStartup logged it): a requested shutdown, as one after start-up, is not a failure.
        }
        return 0;
    }

    /// <summary>The first signal asks the verb to stop where it next waits; a second one ends the process at once.</summary>
    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        if (!stop.IsCancellationRequested)
        {
            context.Cancel = true;
            _ = stop.CancelAsync();
        }
    }

    private static RootCommand Build(CancellationToken stopping)
    {
        var root = new RootCommand("Rosette: badges for class-based training. Without a command, serves the app on http://localhost:5000.");
        root.Options.Add(new Option<bool>("--demo") { Description = "Serve, seeding an empty database with demo data and printing the demo logins." });
        root.Options.Add(new Option<string>("--urls") { Description = "Addresses to listen on, e.g. http://localhost:5000." });

        var migrate = Verb("migrate", "Apply pending database migrations, then exit.");
        migrate.SetWork(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: false);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider, ct);
            Console.WriteLine("Rosette: the database is up to date.");
            return 0;
        }, stopping);

        var demo = Verb("demo", "Add the demo data to an empty database (migrating it first) and print the demo logins.");
        demo.SetWork(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: false);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider, ct);
            await scope.ServiceProvider.GetRequiredService<Bootstrap>().SeedDemoAsync(Console.Out, ct);
            return 0;
        }, stopping);

        var users = RefuseUnknownVerbs(new Command("users", "Manage users."));
        users.Subcommands.Add(CreateUserVerb(stopping));
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(demo);
        root.Subcommands.Add(users);
        root.Subcommands.Add(KeysVerb(stopping));
        return RefuseUnknownVerbs(root);
    }

    private static Command KeysVerb(CancellationToken stopping)
    {
        var rotate = Verb("rotate", "Make a new credential signing key current; the old one is retired but stays published, so credentials it signed keep verifying.");
        rotate.SetWork(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: true);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider, ct);
            var key = await scope.ServiceProvider.GetRequiredService<SigningKeysHandler>().RotateAsync(ct);
            Console.WriteLine($"Rosette: the current signing key is now {scope.ServiceProvider.GetRequiredService<CredentialUrls>().Key(key.Id)}.");
            return 0;
        }, stopping);
        var keys = new Command("keys", "Manage the keys that sign credentials.");
        keys.Subcommands.Add(rotate);
        return RefuseUnknownVerbs(keys);
    }

    private static Command CreateUserVerb(CancellationToken stopping)
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
        create.SetWork(async (parse, ct) =>
        {
            await using var app = BuildServices(parse, migrateOnStart: true);
            await using var scope = app.Services.CreateAsyncScope();
            await DatabaseStartup.MigrateAsync(scope.ServiceProvider, ct);
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
        }, stopping);
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

    /// <summary>
    /// Run without one of its verbs, a command names the unknown word in one line; the settings after it pass through
    /// unremarked rather than each being reported as unrecognised.
    /// </summary>
    private static T RefuseUnknownVerbs<T>(T command) where T : Command
    {
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async parse =>
        {
            var verbs = string.Join(", ", command.Subcommands.Select(c => c.Name));
            var word = parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
            await Console.Error.WriteLineAsync(word is null
                ? $"Rosette: '{command.Name}' needs a command: {verbs} (see --help)."
                : $"Rosette: unknown command '{word}'; the commands here are {verbs} (see --help).");
            return 1;
        });
        return command;
    }

    private static Command Verb(string name, string description) =>
        new(name, description) { TreatUnmatchedTokensAsErrors = false };

    /// <summary>A verb's work, stopped by a shutdown request (<paramref name="stopping"/>) as by System.CommandLine's token.</summary>
    private static void SetWork(this Command command, Func<ParseResult, CancellationToken, Task<int>> work, CancellationToken stopping) =>
        command.SetAction(async (parse, ct) =>
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
            return await work(parse, either.Token);
        });

    private static WebApplication BuildServices(ParseResult parse, bool migrateOnStart)
    {
        var builder = CreateBuilder(parse.UnmatchedTokens.ToArray());
        builder.Configuration["Rosette:Database:MigrateOnStart"] = migrateOnStart.ToString();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed connection, command or save also throws: the verb reports it (email_taken, a database it cannot reach) or it
        // surfaces, so EF's log of it is a duplicate.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Connection", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Update", LogLevel.None);
        builder.AddRosette();
        return builder.Build();
    }
}
