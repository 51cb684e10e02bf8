using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Accounts;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Hosting;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Users;

/// <summary><c>generated</c>: a new random password, returned once; <c>link</c>: a one-time reset link, the password unchanged until it is used.</summary>
public sealed record ResetPasswordRequest(string? Mode);

public sealed record PasswordResetDto(Guid UserId, string Mode, string? Password, string? ResetPath);

public sealed record CompletePasswordResetRequest(Guid? UserId, string? Token, string? NewPassword);

/// <summary>Password resets: an administrator resets a user's password (<see cref="UsersApi"/>, the user page); the holder of a reset link completes it.</summary>
public sealed class ResetPasswordHandler(
    RosetteDb db, UserManager<User> users, UsersHandler manage, AuditLog audit, SignInLimits limits, IHttpContextAccessor http)
{
    /// <summary>
    /// An administrator resets a user's password: a generated password, returned once and never stored in clear (every
    /// session of the user ends), or a one-time link (Identity's reset token, bound to the security stamp and to the user's
    /// standing: it stops working once used, when the password changes otherwise, when the user's role or organization
    /// changes, and after a day).
    /// </summary>
    public async Task<Result<PasswordResetDto>> HandleAsync(Actor actor, Guid id, ResetPasswordRequest request, CancellationToken cancellationToken)
    {
        var found = await manage.FindVisibleAsync(actor, id, cancellationToken);
        if (found is null)
        {
            return CommonErrors.NotFound("user", id);
        }
        if (!actor.IsAdministrator)
        {
            return CommonErrors.Forbidden("Only administrators reset passwords.");
        }
        var user = found.User;
        if (user.WhyNotManagedBy(actor, found.OrganizationPath) is { } refused)
        {
            return await manage.RefuseAsync(actor, "reset the password of", user.OrganizationId, user.Id, $"{user.FullName} ({user.Email})", refused, cancellationToken);
        }
        switch (request.Mode?.Trim().ToLowerInvariant())
        {
            case "generated":
                var password = Bootstrap.RandomPassword();
                user.SetPasswordHash(users.PasswordHasher.HashPassword(user, password));
                audit.Record(actor, AuditKind.PasswordReset, user.OrganizationId, user.Id, $"Set a generated password for {user.FullName} ({user.Email})", new { mode = "generated" });
                await db.SaveChangesAsync(cancellationToken);
                return new PasswordResetDto(user.Id, "generated", password, null);
            case "link":
                var token = await users.GenerateUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, LinkPurpose(user, found.OrganizationPath));
                audit.Record(actor, AuditKind.PasswordReset, user.OrganizationId, user.Id, $"Made a one-time password reset link for {user.FullName} ({user.Email})", new { mode = "link" });
                await db.SaveChangesAsync(cancellationToken);
                return new PasswordResetDto(user.Id, "link", null, ResetPath(user.Id, token));
            default:
                return UserErrors.InvalidResetMode;
        }
    }

    /// <summary>
    /// A link's purpose names the user's standing when it was made (role, system administrator, organization and its place
    /// in the tree): its maker may manage the user only as they stood then, so a link stops working once the user is
    /// promoted or moved, as a new reset by the same maker could be refused.
    /// </summary>
    private static string LinkPurpose(User user, string organizationPath) =>
        $"{UserManager<User>.ResetPasswordTokenPurpose}:{user.Role}:{user.IsSystemAdministrator}:{organizationPath}";

    public static string ResetPath(Guid userId, string token) =>
        "/reset-password" + QueryString.Create(new KeyValuePair<string, string?>[] { new("userId", userId.ToString()), new("token", token) });

    /// <summary>Anyone holding a reset link sets a new password with it, once.</summary>
    public async Task<Error?> CompleteAsync(CompletePasswordResetRequest request, CancellationToken cancellationToken)
    {
        // Failures count per link's user and client address, for unknown users alike (SignInLimits).
        var link = $"reset:{request.UserId}";
        var address = ClientAddress.Of(http.HttpContext);
        if (limits.Check(link, address) is { } limited)
        {
            return limited;
        }
        var found = request.UserId is { } userId
            ? await (from u in db.Users
                     where u.Id == userId && u.IsActive
                     join o in db.Organizations on u.OrganizationId equals o.Id
                     select new { User = u, o.Path }).SingleOrDefaultAsync(cancellationToken)
            : null;
        // The link first, the new password's rules after: a bad link answers the same whoever the user id names.
        if (found is null || string.IsNullOrEmpty(request.Token)
            || !await users.VerifyUserTokenAsync(found.User, users.Options.Tokens.PasswordResetTokenProvider, LinkPurpose(found.User, found.Path), request.Token))
        {
            limits.Failed(link, address);
            return UserErrors.InvalidResetLink;
        }
        var user = found.User;
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            return InvalidError.Field("newPassword", InvalidError.ValidationFailed, "'newPassword' is required.");
        }
        var errors = new ValidationErrors();
        await manage.CheckPasswordAsync(user, request.NewPassword, errors);
        if (errors.Any)
        {
            return InvalidError.Field("newPassword", InvalidError.ValidationFailed, errors.ToError().Message);
        }
        // A new security stamp with the new password: the link (bound to the stamp) works once.
        user.SetPasswordHash(users.PasswordHasher.HashPassword(user, request.NewPassword));
        audit.Record(user.Id, AuditKind.PasswordReset, user.OrganizationId, user.Id, $"{user.FullName} ({user.Email}) set a new password with a reset link", new { mode = "link_used" });
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }
}
