using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.SingleSignOn;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Accounts;

/// <summary>
/// Checks an email and password with Identity's hashing and lockout. Unknown emails, wrong passwords, deactivated users and
/// locked accounts get the same answer after the same work (a password hash is always verified), so that nothing tells
/// whether an account exists or is locked. Too many failures on one account from one address answer 429 first
/// (<see cref="SignInLimits"/>), for unknown emails alike. Failures are audited, in the transaction of the failed-attempt
/// count Identity keeps; those that an outsider can repeat at will (unknown emails, locked accounts) through <see cref="AuditThrottle"/>.
/// </summary>
public sealed class SignInHandler(
    UserManager<User> users, SignInManager<User> signIn, RosetteDb db, AuditLog audit, AuditThrottle throttle, SignInLimits limits,
    IHttpContextAccessor http, ILogger<SignInHandler> logger)
{
    public static readonly Error InvalidCredentials = new ForbiddenError("invalid_credentials", "The email or password is incorrect.");

    public async Task<Result<User>> CheckAsync(string? email, string? password)
    {
        var attempted = email?.Trim() ?? "";
        var address = ClientAddress.Of(http.HttpContext);
        if (limits.Check(attempted, address) is { } limited)
        {
            logger.LogWarning("Sign-in attempts on '{Email}' from {Address} are rate limited", Shown(attempted), address);
            return limited;
        }
        var user = attempted.Length == 0 ? null : await users.FindByEmailAsync(attempted);
        if (user is null || !user.IsActive || user.PasswordHash is null || string.IsNullOrEmpty(password))
        {
            VerifyDummy(password);
            var reason = user is null ? "unknown email" : !user.IsActive ? "deactivated account" : user.PasswordHash is null ? "no password set" : "no password given";
            await FailAsync(attempted, address, user, reason, throttleKey: $"sign-in:{EmailAddress.Normalize(Shown(attempted))}:{reason}");
            return InvalidCredentials;
        }
        if (await users.IsLockedOutAsync(user))
        {
            // Identity would answer at once without hashing: the timing would tell.
            VerifyDummy(password);
            await FailAsync(attempted, address, user, "account locked", throttleKey: $"sign-in:{user.Id}:locked");
            return InvalidCredentials;
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        var outcome = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (!outcome.Succeeded)
        {
            await FailAsync(attempted, address, user, "wrong password", throttleKey: null, save: false);
            if (outcome.IsLockedOut)
            {
                audit.Record((Guid?)null, AuditKind.LockedOut, user.OrganizationId, user.Id,
                    $"Locked {user.FullName} ({user.Email}) out until {user.LockoutEnd:yyyy-MM-dd HH:mm} UTC after repeated failed sign-ins",
                    new { lockoutEnd = user.LockoutEnd });
            }
            await db.SaveChangesAsync();
        }
        await transaction.CommitAsync();
        if (!outcome.Succeeded)
        {
            return InvalidCredentials;
        }
        // Asked only once the password is right: whoever learns that single sign-on is required already holds the account.
        if (await WhyNoPasswordAsync(user) is { } disabled)
        {
            await FailAsync(attempted, address, user, "password sign-in disabled by single sign-on", throttleKey: $"sign-in:{user.Id}:sso-only", countFailure: false);
            return disabled;
        }
        return user;
    }

    /// <summary>
    /// Refused when a connection of the user's organization or of one above it signs them in and no longer allows Rosette
    /// passwords (<see cref="SignInConnection.AllowsPasswordFor"/>: administrators of the connected organization keep theirs).
    /// </summary>
    private async Task<Error?> WhyNoPasswordAsync(User user)
    {
        var path = await db.Organizations.Where(o => o.Id == user.OrganizationId).Select(o => o.Path).SingleAsync();
        var ancestors = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(id => Guid.ParseExact(id, "N")).ToList();
        var connections = await (from c in db.SignInConnections.AsNoTracking()
                                 where ancestors.Contains(c.OrganizationId) && !c.AllowPasswords
                                 join o in db.Organizations on c.OrganizationId equals o.Id
                                 select new { Connection = c, o.Path }).ToListAsync();
        var authority = new Authority(user.Role, path, user.IsSystemAdministrator);
        return connections.Any(c => !c.Connection.AllowsPasswordFor(authority, c.Path)) ? SignInConnectionErrors.PasswordsDisabled : null;
    }

    private async Task FailAsync(string attempted, string address, User? user, string reason, string? throttleKey, bool save = true, bool countFailure = true)
    {
        if (countFailure)
        {
            limits.Failed(attempted, address);
        }
        var shown = user?.Email ?? Shown(attempted);
        if (throttle.Allows(throttleKey))
        {
            audit.Record((Guid?)null, AuditKind.SignInFailed, user?.OrganizationId, user?.Id, $"Failed sign-in as '{shown}': {reason}", new { email = shown, reason });
        }
        else
        {
            logger.LogWarning("Failed sign-in as '{Email}' from {Address} ({Reason}) not audited: repeated", shown, address, reason);
        }
        if (save)
        {
            await db.SaveChangesAsync();
        }
    }

    private void VerifyDummy(string? password) => users.PasswordHasher.VerifyHashedPassword(DummyUser, DummyHash, password ?? "");

    private static string Shown(string email) => email.Length > EmailAddress.MaxLength ? email[..EmailAddress.MaxLength] : email;

    private static readonly User DummyUser = User.Create("nobody@invalid", "No", "Body", Guid.Empty, UserRole.Student, DateTime.UnixEpoch).Value;

    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(DummyUser, Guid.NewGuid().ToString());
}
