using System.Security.Cryptography;
using System.Text;

namespace Rosette.Domain.ApiKeys;

/// <summary>What an API key may do: each API endpoint open to keys declares the permission it needs (none by default).</summary>
[Flags]
public enum ApiKeyPermissions
{
    None = 0,
    PostActivityEvents = 1,
    IssueBadges = 2,
    ReadAwards = 4,
    ManageRosters = 8,
}

/// <summary>
/// A machine's credential for the API: it acts in an organization's subtree with the permissions it holds, never as a
/// person. Its secret (<c>rk_</c> and 256 random bits) is shown once at creation and stored only as its SHA-256 hash. It
/// never outranks its creator: created only by an administrator whose scope holds its organization, and usable only while
/// its creator still does (<see cref="WhyNotUsable"/>).
/// </summary>
public sealed class ApiKey
{
    public const string SecretPrefix = "rk_";
    public const int NameMaxLength = 200;
    public const int SecretBytes = 32;

    private ApiKey()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid OrganizationId { get; private set; }

    public ApiKeyPermissions Permissions { get; private set; }

    /// <summary>SHA-256 of the secret, hex: the only form in which the secret is kept.</summary>
    public string SecretHash { get; private set; } = "";

    /// <summary>The secret's first characters ("rk_AbCd"), so that people can tell their keys apart.</summary>
    public string Hint { get; private set; } = "";

    public Guid CreatedById { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? ExpiresAt { get; private set; }

    public DateTime? RevokedAt { get; private set; }

    public Guid? RevokedById { get; private set; }

    public DateTime? LastUsedAt { get; private set; }

    /// <summary>A new key and its secret, which exists only in this return value.</summary>
    public static Result<(ApiKey Key, string Secret)> Create(
        Actor actor, string? name, Guid organizationId, string organizationPath, IReadOnlyCollection<string>? permissions, DateTime? expiresAt, DateTime now)
    {
        if (actor.ApiKeyId is not null || !actor.Authority.Covers(Authority.AdministratorOf(organizationPath)))
        {
            return ApiKeyErrors.NotCreatable;
        }
        var errors = new ValidationErrors();
        var validName = errors.Check(Text.Required("name", name, NameMaxLength));
        var validPermissions = errors.Check(ParsePermissions(permissions));
        if (expiresAt is { } expiry && expiry.ToUniversalTime() <= now)
        {
            errors.Add(InvalidError.Field("expiresAt", InvalidError.ValidationFailed, "'expiresAt' must be in the future."));
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var secret = NewSecret();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            Name = validName!,
            OrganizationId = organizationId,
            Permissions = validPermissions,
            SecretHash = Hash(secret),
            Hint = secret[..(SecretPrefix.Length + 4)],
            CreatedById = actor.UserId,
            CreatedAt = now,
            ExpiresAt = expiresAt?.ToUniversalTime(),
        };
        return (key, secret);
    }

    /// <summary>
    /// Why the key cannot act now: revoked, expired, or its creator no longer holds its authority (deactivated, demoted, moved
    /// out of the scope). A creator's loss suspends the key rather than revoking it: it works again if the power comes back.
    /// </summary>
    public Error? WhyNotUsable(DateTime now, string organizationPath, Authority? creator) =>
        RevokedAt is not null ? ApiKeyErrors.Revoked
        : ExpiresAt <= now ? ApiKeyErrors.Expired
        : creator is null || !creator.Covers(Authority.AdministratorOf(organizationPath)) ? ApiKeyErrors.Suspended
        : null;

    /// <summary>Revoking takes power away: any administrator whose scope holds the key may do it.</summary>
    public Error? Revoke(Actor actor, string organizationPath, DateTime now)
    {
        if (actor.ApiKeyId is not null || !actor.Administers(organizationPath))
        {
            return ApiKeyErrors.NotCreatable;
        }
        if (RevokedAt is not null)
        {
            return ApiKeyErrors.AlreadyRevoked;
        }
        RevokedAt = now;
        RevokedById = actor.UserId;
        return null;
    }

    public bool Permits(ApiKeyPermissions anyOf) => (Permissions & anyOf) != 0;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool LooksLikeSecret(string? value) => value is not null && value.StartsWith(SecretPrefix, StringComparison.Ordinal);

    /// <summary>The names the API and pages use for permissions: post_activity_events, issue_badges, read_awards, manage_rosters.</summary>
    public static readonly IReadOnlyDictionary<string, ApiKeyPermissions> PermissionNames = new Dictionary<string, ApiKeyPermissions>
    {
        ["post_activity_events"] = ApiKeyPermissions.PostActivityEvents,
        ["issue_badges"] = ApiKeyPermissions.IssueBadges,
        ["read_awards"] = ApiKeyPermissions.ReadAwards,
        ["manage_rosters"] = ApiKeyPermissions.ManageRosters,
    };

    public static IReadOnlyList<string> NamesOf(ApiKeyPermissions permissions) =>
        PermissionNames.Where(p => (permissions & p.Value) != 0).Select(p => p.Key).ToList();

    private static Result<ApiKeyPermissions> ParsePermissions(IReadOnlyCollection<string>? names)
    {
        var permissions = ApiKeyPermissions.None;
        foreach (var name in names ?? [])
        {
            if (!PermissionNames.TryGetValue(name?.Trim() ?? "", out var permission))
            {
                return InvalidError.Field("permissions", InvalidError.ValidationFailed, $"'permissions' may hold only: {string.Join(", ", PermissionNames.Keys)}.");
            }
            permissions |= permission;
        }
        return permissions == ApiKeyPermissions.None
            ? InvalidError.Field("permissions", InvalidError.ValidationFailed, "Choose at least one permission.")
            : permissions;
    }

    private static string NewSecret() =>
        SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class ApiKeyErrors
{
    public static readonly ForbiddenError NotCreatable = new("api_key_not_allowed",
        "Only an administrator whose scope holds the key's organization manages its API keys; an API key never manages keys.");

    public static readonly ConflictError AlreadyRevoked = new("api_key_revoked", "This API key is already revoked.");

    public static readonly ForbiddenError Revoked = new("api_key_revoked", "This API key was revoked.");

    public static readonly ForbiddenError Expired = new("api_key_expired", "This API key has expired.");

    public static readonly ForbiddenError Suspended = new("api_key_suspended",
        "This API key is suspended: the administrator who created it no longer holds its organization (deactivated, demoted or moved).");

    public static readonly ForbiddenError Unknown = new("api_key_invalid", "This API key is not valid.");

    public static ForbiddenError NotPermitted(ApiKeyPermissions needed) => new("api_key_not_permitted", needed == ApiKeyPermissions.None
        ? "API keys may not call this endpoint."
        : $"This API key may not call this endpoint: it needs the permission {string.Join(" or ", ApiKey.NamesOf(needed))}.");
}
