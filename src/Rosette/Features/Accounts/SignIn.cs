using Microsoft.AspNetCore.Identity;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Audit;

namespace Rosette.Features.Accounts;

/// <summary>
/// Checks an email and password with Identity's hashing and lockout (5 failures lock the account for 15 minutes).
/// Unknown emails, wrong passwords and deactivated users get the same answer. Every failure is audited, and so is the
/// failure that locks an account, in the same transaction as the failed-attempt count Identity keeps.
/// </summary>
public sealed class SignInHandler(UserManager<User> users, SignInManager<User> signIn, RosetteDb db, AuditLog audit)
{
    public static readonly Error InvalidCredentials = new ForbiddenError("invalid_credentials", "The email or password is incorrect.");

    public static readonly Error LockedOut = new ForbiddenError("locked_out", "Too many failed attempts: this account is locked for a while. Try again later.");

    public async Task<Result<User>> CheckAsync(string? email, string? password)
    {
        var attempted = email?.Trim() ?? "";
        var user = attempted.Length == 0 ? null : await users.FindByEmailAsync(attempted);
        if (user is null || !user.IsActive || user.PasswordHash is null || string.IsNullOrEmpty(password))
        {
            // Same work as a real check, so the answer's timing does not tell whether the account exists.
            users.PasswordHasher.VerifyHashedPassword(DummyUser, DummyHash, password ?? "");
            var reason = user is null ? "unknown email" : !user.IsActive ? "deactivated account" : user.PasswordHash is null ? "no password set" : "no password given";
            audit.Record((Guid?)null, AuditKind.SignInFailed, user?.OrganizationId, user?.Id,
                $"Failed sign-in as '{Shown(attempted)}': {reason}", new { email = Shown(attempted), reason });
            await db.SaveChangesAsync();
            return InvalidCredentials;
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        var wasLockedOut = await users.IsLockedOutAsync(user);
        var outcome = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (!outcome.Succeeded)
        {
            var reason = wasLockedOut ? "account locked" : "wrong password";
            audit.Record((Guid?)null, AuditKind.SignInFailed, user.OrganizationId, user.Id, $"Failed sign-in as '{user.Email}': {reason}",
                new { email = user.Email, reason });
            if (outcome.IsLockedOut && !wasLockedOut)
            {
                audit.Record((Guid?)null, AuditKind.LockedOut, user.OrganizationId, user.Id,
                    $"Locked {user.FullName} ({user.Email}) out until {user.LockoutEnd:yyyy-MM-dd HH:mm} UTC after repeated failed sign-ins",
                    new { lockoutEnd = user.LockoutEnd });
            }
            await db.SaveChangesAsync();
        }
        await transaction.CommitAsync();
        return outcome.Succeeded ? user
            : outcome.IsLockedOut ? LockedOut
            : InvalidCredentials;
    }

    private static string Shown(string email) => email.Length > EmailAddress.MaxLength ? email[..EmailAddress.MaxLength] : email;

    private static readonly User DummyUser = User.Create("nobody@invalid", "No", "Body", Guid.Empty, UserRole.Student, DateTime.UnixEpoch).Value;

    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(DummyUser, Guid.NewGuid().ToString());
}
