using Rosette.Domain.Users;

namespace Rosette.Domain;

/// <summary>
/// Who is acting: the signed-in user as the rules need them. An administrator's scope is their organization
/// and all its descendants (every organization for a system administrator).
/// </summary>
public sealed record Actor(Guid UserId, UserRole Role, Guid OrganizationId, string OrganizationPath, bool IsSystemAdministrator)
{
    /// <summary>The installation itself (bootstrap, CLI verbs, background workers): a system administrator.</summary>
    public static readonly Actor System = new(Guid.Empty, UserRole.Administrator, Guid.Empty, "/", IsSystemAdministrator: true);

    public bool IsAdministrator => Role == UserRole.Administrator;

    public bool IsInstructor => Role == UserRole.Instructor;

    public bool IsStudent => Role == UserRole.Student;

    /// <summary>The path prefix of the actor's scope, or null when the scope is every organization.</summary>
    public string? ScopePath => IsSystemAdministrator ? null : OrganizationPath;

    /// <summary>An API key acting (never a person): its id, and the permissions the API endpoints it calls must be declared for.</summary>
    public Guid? ApiKeyId { get; init; }

    public ApiKeys.ApiKeyPermissions KeyPermissions { get; init; }

    /// <summary>Who acts, for the records that name a sender or an actor: the API key's id for a key, else the user's.</summary>
    public Guid ActingId => ApiKeyId ?? UserId;

    /// <summary>The person acting, for the records that name one (issued by, revoked by); null for an API key or the installation.</summary>
    public Guid? PersonId => ApiKeyId is null && UserId != Guid.Empty ? UserId : null;

    public bool Administers(string organizationPath) => Authority.Administers(organizationPath);

    public Authority Authority => new(Role, OrganizationPath, IsSystemAdministrator);

    /// <summary>
    /// Whether the actor may manage (edit, deactivate, reset the password of, change the role of) whoever holds
    /// <paramref name="other"/>, or grant it: only with strictly more power. System administrators are managed only by
    /// system administrators (they are the top: one recovers another); an administrator manages non-administrators of their
    /// scope and administrators of organizations strictly below their own, never a peer or a superior. The same rule decides
    /// what may be granted: a role over an organization that the actor could not manage afterwards is refused.
    /// </summary>
    public bool MayManage(Authority other) => Authority.MayManage(other);
}

/// <summary>
/// The power a user holds: a role over an organization's subtree (every organization for a system administrator). Whatever
/// acts for a user (an API key, a sign-in connection) holds an authority too, and <see cref="Actor.MayManage"/> compares them.
/// </summary>
public sealed record Authority(UserRole Role, string OrganizationPath, bool IsSystemAdministrator)
{
    /// <summary>An administrator's authority over the subtree at <paramref name="organizationPath"/>: what API keys and sign-in connections hold.</summary>
    public static Authority AdministratorOf(string organizationPath) => new(UserRole.Administrator, organizationPath, IsSystemAdministrator: false);

    /// <summary>An administrator's scope: their organization's subtree, every organization for a system administrator.</summary>
    public bool Administers(string organizationPath) =>
        Role == UserRole.Administrator && (IsSystemAdministrator || organizationPath.StartsWith(OrganizationPath, StringComparison.Ordinal));

    /// <summary>Strictly more power than <paramref name="other"/>: see <see cref="Actor.MayManage"/>.</summary>
    public bool MayManage(Authority other) =>
        Role == UserRole.Administrator && (IsSystemAdministrator || (!other.IsSystemAdministrator && (other.Role == UserRole.Administrator
            ? other.OrganizationPath.Length > OrganizationPath.Length && other.OrganizationPath.StartsWith(OrganizationPath, StringComparison.Ordinal)
            : Administers(other.OrganizationPath))));

    /// <summary>
    /// At least the power of <paramref name="other"/>: whatever acts with <paramref name="other"/> (an API key, a sign-in
    /// connection) can do nothing this authority cannot. An administrator holds every administrator authority of their scope.
    /// </summary>
    public bool Covers(Authority other) => IsSystemAdministrator || (!other.IsSystemAdministrator && Administers(other.OrganizationPath));
}
