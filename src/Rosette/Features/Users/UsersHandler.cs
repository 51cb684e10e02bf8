using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Users;
using Rosette.Features.Audit;
using Rosette.Features.SingleSignOn;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Users;

public sealed record CreateUserRequest(
    string? Email, string? FirstName, string? LastName, Guid? OrganizationId, UserRole? Role, string? Password, bool? ParticipateInAchievements);

public sealed record UpdateUserRequest(string? FirstName, string? LastName, UserRole? Role, bool? IsActive, bool? ParticipateInAchievements);

public sealed record UserListRequest(int? Page, int? PageSize, string? Search, Guid? OrganizationId, string? Role);

/// <summary>Users: create, list, read, change; with the requests it takes. Routes: <see cref="UsersApi"/>; password resets: <see cref="ResetPasswordHandler"/>.</summary>
public sealed class UsersHandler(
    RosetteDb db, UserManager<User> users, AuditLog audit, AuditThrottle throttle, TimeProvider clock)
{
    /// <summary>The refusals of creating and listing users, declared by policy on their routes and pages (see <see cref="UsersApi"/>).</summary>
    public static readonly ForbiddenError CreatedByAdministratorsOnly = CommonErrors.Forbidden("Only administrators create users.");

    public static readonly ForbiddenError ListedByAdministratorsOnly = CommonErrors.Forbidden("Only administrators list users.");

    public static readonly ForbiddenError ManagedByAdministratorsOnly = CommonErrors.Forbidden("Only administrators manage users.");

    public async Task<Result<UserDto>> CreateAsync(Actor actor, CreateUserRequest request, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.OrganizationId is null)
        {
            errors.Add(InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required."));
        }
        if (request.Role is null)
        {
            errors.Add(InvalidError.Field("role", InvalidError.ValidationFailed, "'role' is required: administrator, instructor or student."));
        }
        var created = User.Create(request.Email, request.FirstName, request.LastName, request.OrganizationId ?? Guid.Empty,
            request.Role ?? UserRole.Student, clock.UtcNowSeconds(), request.ParticipateInAchievements ?? true);
        var user = errors.Check(created);
        if (request.Password is not null)
        {
            await CheckPasswordAsync(user, request.Password, errors);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var organizationId = request.OrganizationId!.Value;
        var organizationPath = await db.Organizations.AdministeredBy(actor).Where(o => o.Id == organizationId).Select(o => o.Path).SingleOrDefaultAsync(cancellationToken);
        if (organizationPath is null)
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        if (User.WhyNotGranted(actor, user!.Role, organizationPath) is { } refused)
        {
            return await RefuseAsync(actor, "create", organizationId, null, $"{user.Role.ToString().ToLowerInvariant()} {user.Email}", refused, cancellationToken);
        }
        if (await db.WhyNotCreateAsync(user.Email, organizationPath, cancellationToken) is { } claimed)
        {
            return claimed;
        }
        return await AddAsync(actor, user, request.Password, cancellationToken);
    }

    /// <summary>
    /// Stores a new user, hashing the password when there is one. An address already taken is answered without trying the
    /// insert (a refused insert is logged by EF as an error); the unique email index still decides races.
    /// </summary>
    private async Task<Result<UserDto>> AddAsync(Actor actor, User user, string? password, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == user.NormalizedEmail, cancellationToken))
        {
            return UserErrors.EmailTaken;
        }
        if (password is not null)
        {
            user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
        }
        db.Users.Add(user);
        var entry = audit.Record(actor, AuditKind.UserCreated, user.OrganizationId, user.Id,
            $"Created {user.Role.ToString().ToLowerInvariant()} {user.FullName} ({user.Email})",
            new { user.Email, user.FirstName, user.LastName, user.OrganizationId, role = user.Role.ToString(), user.ParticipateInAchievements });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.Entry(user).State = EntityState.Detached;
            audit.Discard(entry);
            return UserErrors.EmailTaken;
        }
        return UserDto.From(user);
    }

    /// <summary>Identity's password rules; they look at the password only, so the user may still be invalid.</summary>
    public async Task CheckPasswordAsync(User? user, string password, ValidationErrors errors)
    {
        foreach (var validator in users.PasswordValidators)
        {
            var outcome = await validator.ValidateAsync(users, user!, password);
            if (!outcome.Succeeded)
            {
                errors.Add(InvalidError.Field("password", InvalidError.ValidationFailed, string.Join(" ", outcome.Errors.Select(e => e.Description))));
            }
        }
    }

    public async Task<Result<Paged<UserDto>>> ListAsync(Actor actor, UserListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, request.Search);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = db.Users.AsNoTracking().AdministeredBy(db, actor);
        if (paging.Term is { } term)
        {
            query = query.Where(u => u.SearchText.Contains(term));
        }
        if (request.OrganizationId is { } organizationId)
        {
            query = query.Where(u => u.OrganizationId == organizationId);
        }
        if (request.Role is not null)
        {
            if (!Enum.TryParse<UserRole>(request.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role))
            {
                return InvalidError.Field("role", InvalidError.ValidationFailed, "'role' must be administrator, instructor or student.");
            }
            query = query.Where(u => u.Role == role);
        }
        return await paging.ToPageAsync(query.OrderBy(u => u.LastName).ThenBy(u => u.FirstName).ThenBy(u => u.Id), UserDto.From, cancellationToken);
    }

    public async Task<Result<UserDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await FindVisibleAsync(actor, id, cancellationToken);
        return found is null ? CommonErrors.NotFound("user", id) : UserDto.From(found.User);
    }

    /// <summary>Whether the actor may change the user (pages show the forms only then); the user's visibility is checked by <see cref="GetAsync"/>.</summary>
    public async Task<bool> MayManageAsync(Actor actor, Guid id, CancellationToken cancellationToken) =>
        actor.IsAdministrator && await FindVisibleAsync(actor, id, cancellationToken) is { } found && found.User.WhyNotManagedBy(actor, found.OrganizationPath) is null;

    public async Task<Result<UserDto>> UpdateAsync(Actor actor, Guid id, UpdateUserRequest request, CancellationToken cancellationToken)
    {
        var found = await FindVisibleAsync(actor, id, cancellationToken);
        if (found is null)
        {
            return CommonErrors.NotFound("user", id);
        }
        if (!actor.IsAdministrator)
        {
            return CommonErrors.Forbidden("Only administrators change users.");
        }
        var user = found.User;
        var before = (user.FirstName, user.LastName, user.Role, user.IsActive, user.ParticipateInAchievements);
        if (user.Update(actor, found.OrganizationPath, request.FirstName, request.LastName, request.Role, request.IsActive, request.ParticipateInAchievements) is { } error)
        {
            return error is ForbiddenError ? await RefuseAsync(actor, "change", user.OrganizationId, user.Id, $"{user.FullName} ({user.Email})", error, cancellationToken) : error;
        }
        var changes = new ChangeSet().Add("firstName", before.FirstName, user.FirstName)
            .Add("lastName", before.LastName, user.LastName)
            .Add("role", before.Role.ToString(), user.Role.ToString())
            .Add("isActive", before.IsActive, user.IsActive)
            .Add("participateInAchievements", before.ParticipateInAchievements, user.ParticipateInAchievements);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.UserUpdated, user.OrganizationId, user.Id, $"Updated {user.FullName} ({user.Email}): {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return UserDto.From(user);
    }

    /// <summary>Operators only (the CLI): makes an administrator's scope every organization.</summary>
    public async Task<Error?> MakeSystemAdministratorAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await db.Users.SingleAsync(u => u.Id == id, cancellationToken);
        if (user.Role != UserRole.Administrator)
        {
            return InvalidError.Field("role", InvalidError.ValidationFailed, "Only an administrator can be a system administrator.");
        }
        user.MakeSystemAdministrator();
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// A refused attempt to manage someone: audited (once per actor, target and action in the throttle's window, so that
    /// a loop of refused calls cannot grow the log without bound), then answered with the error.
    /// </summary>
    internal async Task<Error> RefuseAsync(Actor actor, string action, Guid organizationId, Guid? userId, string whom, Error error, CancellationToken cancellationToken)
    {
        if (throttle.Allows($"refused:{actor.UserId}:{action}:{userId?.ToString() ?? whom}"))
        {
            audit.Record(actor, AuditKind.PrivilegeRefused, organizationId, userId, $"Refused to {action} {whom}: {error.Code}", new { action, code = error.Code });
            await db.SaveChangesAsync(cancellationToken);
        }
        return error;
    }

    internal sealed record VisibleUser(User User, string OrganizationPath);

    /// <summary>Users see themselves; administrators see the users of their scope. With the path of the user's organization.</summary>
    internal Task<VisibleUser?> FindVisibleAsync(Actor actor, Guid id, CancellationToken cancellationToken) =>
        (id == actor.UserId ? db.Users : db.Users.AdministeredBy(db, actor).Where(_ => actor.IsAdministrator))
            .Where(u => u.Id == id)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new VisibleUser(u, o.Path))
            .SingleOrDefaultAsync(cancellationToken);
}
