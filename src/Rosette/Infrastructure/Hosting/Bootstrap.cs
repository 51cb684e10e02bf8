using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Organizations;
using Rosette.Domain.Users;
using Rosette.Features.Demo;

namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// The first administrator of an empty database: from Rosette:Bootstrap:AdminEmail / AdminPassword when set,
/// otherwise admin@localhost with a random password printed once. They are a system administrator.
/// </summary>
public sealed class Bootstrap(
    RosetteDb db, IPasswordHasher<User> hasher, UserManager<User> users, IConfiguration configuration, TimeProvider clock, ILogger<Bootstrap> logger)
{
    public async Task EnsureAdministratorAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }
        var email = configuration["Rosette:Bootstrap:AdminEmail"] ?? "admin@localhost";
        var configuredPassword = configuration["Rosette:Bootstrap:AdminPassword"];
        if (configuredPassword is not null)
        {
            await CheckPasswordRulesAsync(configuredPassword);
        }
        var password = configuredPassword ?? RandomPassword();
        var organizationName = configuration["Rosette:Bootstrap:OrganizationName"] ?? "My organization";
        var created = await CreateSystemAdministratorAsync(email, "System", "Administrator", organizationName, password, cancellationToken);
        if (created is null)
        {
            return;
        }
        logger.LogInformation("Created the first administrator {Email}", email);
        if (configuredPassword is null)
        {
            await output.WriteLineAsync($"Rosette: created the administrator {email} with the password {password} (shown only this once).");
        }
    }

    public async Task SeedDemoAsync(TextWriter output, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken))
        {
            await output.WriteLineAsync("Rosette: the database is not empty, so no demo data was added. The demo logins, if it holds them:");
        }
        else
        {
            await new DemoSeed(db, hasher, clock).SeedAsync(cancellationToken);
        }
        await DemoSeed.PrintLoginsAsync(output);
    }

    /// <summary>Creates a root organization and its system administrator; null when the email is taken (another instance won).</summary>
    public async Task<User?> CreateSystemAdministratorAsync(
        string email, string firstName, string lastName, string organizationName, string password, CancellationToken cancellationToken)
    {
        var now = clock.UtcNowSeconds();
        var organization = Organization.Create(Actor.System, organizationName, null, now).Value;
        var user = User.Create(email, firstName, lastName, organization.Id, UserRole.Administrator, now);
        if (!user.IsSuccess)
        {
            throw new StartupException($"Rosette:Bootstrap:AdminEmail is invalid: {user.Error.Message}");
        }
        user.Value.MakeSystemAdministrator();
        user.Value.PasswordHash = hasher.HashPassword(user.Value, password);
        db.Organizations.Add(organization);
        db.Users.Add(user.Value);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return user.Value;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return null;
        }
    }

    /// <summary>The configured password meets the rules every other password meets, or the installation does not start.</summary>
    private async Task CheckPasswordRulesAsync(string password)
    {
        var probe = User.Create("bootstrap@invalid", "System", "Administrator", Guid.Empty, UserRole.Administrator, DateTime.UnixEpoch).Value;
        var failures = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var outcome = await validator.ValidateAsync(users, probe, password);
            failures.AddRange(outcome.Errors.Select(e => e.Description));
        }
        if (failures.Count > 0)
        {
            throw new StartupException($"Rosette:Bootstrap:AdminPassword does not meet the password rules: {string.Join(" ", failures)}");
        }
    }

    public static string RandomPassword() => RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}
