using Microsoft.AspNetCore.Identity;
using Rosette.Domain;
using Rosette.Domain.Users;

namespace Rosette.Features.Accounts;

/// <summary>
/// Checks an email and password with Identity's hashing and lockout (5 failures lock the account for 15 minutes).
/// Unknown emails, wrong passwords and deactivated users get the same answer.
/// </summary>
public sealed class SignInHandler(UserManager<User> users, SignInManager<User> signIn)
{
    public static readonly Error InvalidCredentials = new ForbiddenError("invalid_credentials", "The email or password is incorrect.");

    public static readonly Error LockedOut = new ForbiddenError("locked_out", "Too many failed attempts: this account is locked for a while. Try again later.");

    public async Task<Result<User>> CheckAsync(string? email, string? password)
    {
        var user = string.IsNullOrWhiteSpace(email) ? null : await users.FindByEmailAsync(email.Trim());
        if (user is null || !user.IsActive || user.PasswordHash is null || string.IsNullOrEmpty(password))
        {
            // Same work as a real check, so the answer's timing does not tell whether the account exists.
            users.PasswordHasher.VerifyHashedPassword(DummyUser, DummyHash, password ?? "");
            return InvalidCredentials;
        }
        var outcome = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        return outcome.Succeeded ? user
            : outcome.IsLockedOut ? LockedOut
            : InvalidCredentials;
    }

    private static readonly User DummyUser = User.Create("nobody@invalid", "No", "Body", Guid.Empty, UserRole.Student, DateTime.UnixEpoch).Value;

    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(DummyUser, Guid.NewGuid().ToString());
}
