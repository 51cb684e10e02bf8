namespace Rosette.Domain.Users;

/// <summary>
/// A person: administrator, instructor or student. The sign-in state (password hash, security stamp,
/// lockout) is kept here as plain values and managed by ASP.NET Core Identity through Infrastructure/Auth.
/// </summary>
public sealed class User
{
    private User()
    {
    }

    public Guid Id { get; private set; }

    public string Email { get; private set; } = "";

    public string NormalizedEmail { get; private set; } = "";

    public string FirstName { get; private set; } = "";

    public string LastName { get; private set; } = "";

    public Guid OrganizationId { get; private set; }

    public UserRole Role { get; private set; }

    public bool IsSystemAdministrator { get; private set; }

    public bool ParticipateInAchievements { get; private set; }

    public bool IsActive { get; private set; } = true;

    public DateTime CreatedAt { get; private set; }

    /// <summary>Lower-cased "first last email", for portable case-insensitive search.</summary>
    public string SearchText { get; private set; } = "";

    public string? PasswordHash { get; set; }

    public string SecurityStamp { get; set; } = "";

    public int AccessFailedCount { get; set; }

    public DateTimeOffset? LockoutEnd { get; set; }

    public string FullName => PersonName.Full(FirstName, LastName);

    public static Result<User> Create(
        string? email, string? firstName, string? lastName, Guid organizationId, UserRole role, DateTime now,
        bool participateInAchievements = true)
    {
        var errors = new ValidationErrors();
        var validEmail = errors.Check(EmailAddress.Parse("email", email));
        var first = errors.Check(Text.Required("firstName", firstName));
        var last = errors.Check(Text.Required("lastName", lastName));
        if (errors.Any)
        {
            return errors.ToError();
        }
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            Email = validEmail!,
            NormalizedEmail = EmailAddress.Normalize(validEmail!),
            FirstName = first!,
            LastName = last!,
            OrganizationId = organizationId,
            Role = role,
            ParticipateInAchievements = participateInAchievements,
            CreatedAt = now,
            SecurityStamp = Guid.NewGuid().ToString("N"),
        };
        user.RefreshSearchText();
        return user;
    }

    /// <summary>The first administrator of an installation: scope is every organization.</summary>
    public void MakeSystemAdministrator()
    {
        Role = UserRole.Administrator;
        IsSystemAdministrator = true;
    }

    /// <summary>
    /// Whether <paramref name="actor"/> may manage this user, whose organization's path is <paramref name="organizationPath"/>:
    /// themselves, or someone they outrank (<see cref="Actor.MayManage"/>).
    /// </summary>
    public Error? WhyNotManagedBy(Actor actor, string organizationPath) =>
        actor.UserId == Id || actor.MayManage(new Authority(Role, organizationPath, IsSystemAdministrator)) ? null : UserErrors.NotManageable;

    /// <summary>Whether <paramref name="actor"/> may give someone <paramref name="role"/> in the organization at <paramref name="organizationPath"/>.</summary>
    public static Error? WhyNotGranted(Actor actor, UserRole role, string organizationPath) =>
        actor.MayManage(new Authority(role, organizationPath, IsSystemAdministrator: false)) ? null : UserErrors.RoleNotGrantable;

    /// <summary>Changes names, role and flags; only by someone who may manage the user, and only to a role they could grant.</summary>
    public Error? Update(Actor actor, string organizationPath, string? firstName, string? lastName, UserRole? role, bool? isActive, bool? participateInAchievements)
    {
        if (WhyNotManagedBy(actor, organizationPath) is { } refused)
        {
            return refused;
        }
        if (role is { } newRole && newRole != Role && WhyNotGranted(actor, newRole, organizationPath) is { } notGranted)
        {
            return notGranted;
        }
        var errors = new ValidationErrors();
        var first = firstName is null ? FirstName : errors.Check(Text.Required("firstName", firstName));
        var last = lastName is null ? LastName : errors.Check(Text.Required("lastName", lastName));
        if (errors.Any)
        {
            return errors.ToError();
        }
        if (actor.UserId == Id && (isActive == false || (role is not null && role != Role)))
        {
            return UserErrors.CannotChangeOwnRoleOrDeactivateSelf;
        }
        if (IsSystemAdministrator && role is not null && role != UserRole.Administrator)
        {
            return UserErrors.SystemAdministratorRole;
        }
        FirstName = first!;
        LastName = last!;
        Role = role ?? Role;
        if (isActive is { } active && active != IsActive)
        {
            IsActive = active;
            // A deactivated user's cookies and tokens stop working at once: they carry the old stamp.
            SecurityStamp = Guid.NewGuid().ToString("N");
        }
        ParticipateInAchievements = participateInAchievements ?? ParticipateInAchievements;
        RefreshSearchText();
        return null;
    }

    /// <summary>
    /// A new password chosen by an administrator: every cookie and token of the user stops working (new security stamp)
    /// and a lockout is lifted.
    /// </summary>
    public void SetPasswordHash(string passwordHash)
    {
        PasswordHash = passwordHash;
        SecurityStamp = Guid.NewGuid().ToString("N");
        AccessFailedCount = 0;
        LockoutEnd = null;
    }

    private void RefreshSearchText() => SearchText = Text.SearchKey(FirstName, LastName, Email);
}

public static class UserErrors
{
    public static readonly ConflictError EmailTaken = new("email_taken", "A user with this email address already exists.");

    public static readonly InvalidError CannotChangeOwnRoleOrDeactivateSelf =
        new("cannot_change_self", "You cannot change your own role or deactivate yourself.");

    public static readonly InvalidError InvalidResetLink =
        new("invalid_reset_link", "This password reset link is invalid, has expired or has already been used.");

    public static readonly InvalidError InvalidResetMode =
        InvalidError.Field("mode", InvalidError.ValidationFailed, "'mode' must be 'generated' (a new password, shown once) or 'link' (a one-time link).");

    public static readonly ForbiddenError NotManageable = new("user_not_manageable",
        "You may manage only users with less power than yours: not a system administrator, nor an administrator of your own organization or above it.");

    public static readonly ForbiddenError RoleNotGrantable = new("role_not_grantable",
        "You may make administrators only of organizations below your own: nobody grants more power than they hold.");

    public static readonly InvalidError SystemAdministratorRole =
        InvalidError.Field("role", "system_administrator_role", "A system administrator stays an administrator.");
}
