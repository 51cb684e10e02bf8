using System.Globalization;
using Rosette.Domain.Users;

namespace Rosette.Domain.SingleSignOn;

/// <summary>
/// An organization's OpenID Connect identity provider. It holds the authority of an administrator of its organization
/// (<see cref="Authority.AdministratorOf"/>): it signs in only people such an administrator may manage (students and
/// instructors of the subtree, administrators of organizations below it; never a system administrator, never an
/// administrator of the connected organization itself, who keep their passwords to repair a broken connection), creates
/// people only with a role such an administrator may grant, and is configured only by an administrator whose scope holds
/// it. Each email domain belongs to at most one connection (a unique index). The client secret is kept encrypted and never
/// returned.
/// </summary>
public sealed class SignInConnection
{
    public const int ClientIdMaxLength = 200;
    public const int SecretMaxLength = 500;
    public const int IssuerMaxLength = 500;
    public const int MaxDomains = 50;

    private readonly List<SignInConnectionDomain> _domains = [];

    private SignInConnection()
    {
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    /// <summary>What the log-in button says: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; private set; } = "";

    /// <summary>The issuer identifier; its discovery document is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; private set; } = "";

    public string ClientId { get; private set; } = "";

    public string ProtectedClientSecret { get; private set; } = "";

    /// <summary>Whether someone without a Rosette account, with a verified email of one of the <see cref="Domains"/>, gets one on first sign-in.</summary>
    public bool CreateUsers { get; private set; }

    public UserRole CreatedUserRole { get; private set; } = UserRole.Student;

    /// <summary>Whether the people this connection signs in may still use a Rosette password.</summary>
    public bool AllowPasswords { get; private set; } = true;

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>Grows with every change: each instance rebuilds its cached client settings when it moves.</summary>
    public int Version { get; private set; }

    public IReadOnlyCollection<SignInConnectionDomain> Domains => _domains;

    public static Result<SignInConnection> Create(
        Actor actor, Guid organizationId, string organizationPath, SignInConnectionSettings settings, string? protectedSecret, bool allowPlainHttp, DateTime now)
    {
        var connection = new SignInConnection { Id = Guid.CreateVersion7(), OrganizationId = organizationId, CreatedAt = now };
        var error = connection.Update(actor, organizationPath, settings, protectedSecret, allowPlainHttp, now);
        return error is null ? connection : error;
    }

    /// <summary>Changes the connection; null settings keep their values. Moving the issuer to another origin needs the secret again.</summary>
    public Error? Update(Actor actor, string organizationPath, SignInConnectionSettings settings, string? protectedSecret, bool allowPlainHttp, DateTime now)
    {
        if (WhyNotConfiguredBy(actor, organizationPath) is { } refused)
        {
            return refused;
        }
        var errors = new ValidationErrors();
        var name = settings.DisplayName is null && DisplayName.Length > 0 ? DisplayName : errors.Check(Text.Required("displayName", settings.DisplayName));
        var issuer = settings.Issuer is null && Issuer.Length > 0 ? Issuer : errors.Check(ParseIssuer(settings.Issuer, allowPlainHttp));
        var clientId = settings.ClientId is null && ClientId.Length > 0 ? ClientId : errors.Check(Text.Required("clientId", settings.ClientId, ClientIdMaxLength));
        var domains = settings.EmailDomains is null ? null : errors.Check(ParseDomains(settings.EmailDomains));
        var role = settings.CreatedUserRole ?? CreatedUserRole;
        if (!Authority.AdministratorOf(organizationPath).MayManage(new Authority(role, organizationPath, IsSystemAdministrator: false)))
        {
            errors.Add(SignInConnectionErrors.RoleNotGrantable);
        }
        if (protectedSecret is null && ProtectedClientSecret.Length == 0)
        {
            errors.Add(InvalidError.Field("clientSecret", InvalidError.ValidationFailed, "'clientSecret' is required."));
        }
        else if (protectedSecret is null && issuer is not null && Issuer.Length > 0 && Origin(issuer) != Origin(Issuer))
        {
            errors.Add(SignInConnectionErrors.SecretRequiredForNewIssuer);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        DisplayName = name!;
        Issuer = issuer!;
        ClientId = clientId!;
        ProtectedClientSecret = protectedSecret ?? ProtectedClientSecret;
        CreateUsers = settings.CreateUsers ?? CreateUsers;
        CreatedUserRole = role;
        AllowPasswords = settings.AllowPasswords ?? AllowPasswords;
        if (domains is not null)
        {
            _domains.RemoveAll(d => !domains.Contains(d.Domain));
            _domains.AddRange(domains.Where(d => _domains.All(existing => existing.Domain != d)).Select(d => new SignInConnectionDomain(Id, d)));
        }
        UpdatedAt = now;
        Version++;
        return null;
    }

    /// <summary>Only an administrator whose scope holds the organization: the connection never outranks who configures it.</summary>
    public static Error? WhyNotConfiguredBy(Actor actor, string organizationPath) =>
        actor.ApiKeyId is null && actor.Authority.Covers(Authority.AdministratorOf(organizationPath)) ? null : SignInConnectionErrors.NotConfigurable;

    /// <summary>Whether this connection may sign in <paramref name="user"/>, of the organization at <paramref name="userOrganizationPath"/>.</summary>
    public Error? WhyNotSignIn(User user, string userOrganizationPath, string connectionOrganizationPath) =>
        !user.IsActive ? SignInConnectionErrors.UserDeactivated
        : !Authority.AdministratorOf(connectionOrganizationPath).MayManage(new Authority(user.Role, userOrganizationPath, user.IsSystemAdministrator))
            ? SignInConnectionErrors.UserNotLinkable
        : null;

    /// <summary>Whether someone unknown with <paramref name="email"/> may get an account on first sign-in.</summary>
    public Error? WhyNotCreate(string email) =>
        !CreateUsers ? SignInConnectionErrors.UnknownUser
        : !OwnsDomainOf(email) ? SignInConnectionErrors.DomainNotOwned
        : null;

    /// <summary>Whether someone this connection can sign in may still use a password (<paramref name="user"/>: their authority).</summary>
    public bool AllowsPasswordFor(Authority user, string connectionOrganizationPath) =>
        AllowPasswords || !Authority.AdministratorOf(connectionOrganizationPath).MayManage(user);

    /// <summary>
    /// Whether a new person of the organization at <paramref name="userOrganizationPath"/> may have an address in a domain that
    /// a connection of the organization at <paramref name="claimingOrganizationPath"/> owns (null: no connection owns it). The
    /// claim belongs to the connection's organization and its subtree, whoever creates the person: the twin of
    /// <see cref="SignInConnectionErrors.DomainInUse"/>, so that everyone with an address in an owned domain stays within reach
    /// of the connection the log-in page sends them to.
    /// </summary>
    public static Error? WhyNotAddressIn(string userOrganizationPath, string? claimingOrganizationPath) =>
        claimingOrganizationPath is null || userOrganizationPath.StartsWith(claimingOrganizationPath, StringComparison.Ordinal)
            ? null : SignInConnectionErrors.DomainClaimed;

    public bool OwnsDomainOf(string email) => DomainOf(email) is { } domain && _domains.Any(d => d.Domain == domain);

    /// <summary>The domain of an email address, lower-case and in its ASCII (punycode) form; null when there is none.</summary>
    public static string? DomainOf(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at < 0 || at == email!.Length - 1 ? null : NormalizeDomain(email[(at + 1)..]);
    }

    /// <summary>
    /// The endings a user's normalized email has when its domain is <paramref name="domain"/> (as <see cref="DomainOf"/> gives
    /// it): the ASCII (punycode) form, as <see cref="EmailAddress.Normalize"/> writes it, and the Unicode form, which a user
    /// written before that kept when the upgrade could not rewrite it (the data upgrade <c>normalize-email-domains</c>).
    /// </summary>
    public static IReadOnlyList<string> NormalizedEmailSuffixes(string domain)
    {
        var ascii = "@" + EmailAddress.Normalize(domain);
        string unicode;
        try
        {
            unicode = "@" + EmailAddress.Normalize(new IdnMapping().GetUnicode(domain));
        }
        catch (ArgumentException)
        {
            return [ascii];
        }
        return unicode == ascii ? [ascii] : [ascii, unicode];
    }

    public static string Origin(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() : url;

    private static Result<string> ParseIssuer(string? value, bool allowPlainHttp)
    {
        var trimmed = value?.Trim();
        if (trimmed is { Length: > IssuerMaxLength } || !Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (allowPlainHttp && uri.Scheme == Uri.UriSchemeHttp))
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return InvalidError.Field("issuer", "invalid_issuer",
                "'issuer' must be the provider's https issuer URL, without a query (e.g. https://login.microsoftonline.com/<tenant>/v2.0).");
        }
        if (!allowPlainHttp && Infrastructure.Http.Outbound.NamesNonPublicHost(uri))
        {
            return InvalidError.Field("issuer", "invalid_issuer", "'issuer' must point to a public address, not a loopback, private or link-local one.");
        }
        return trimmed!;
    }

    private static Result<HashSet<string>> ParseDomains(IReadOnlyCollection<string?> values)
    {
        var domains = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            if (NormalizeDomain(value) is not { } domain)
            {
                return InvalidError.Field("emailDomains", "invalid_email_domain", $"'{value?.Trim()}' is not a domain name (e.g. contoso.com).");
            }
            domains.Add(domain);
        }
        return domains.Count > MaxDomains
            ? InvalidError.Field("emailDomains", InvalidError.ValidationFailed, $"A connection owns at most {MaxDomains} email domains.")
            : domains;
    }

    private static string? NormalizeDomain(string? value)
    {
        var trimmed = value?.Trim().TrimEnd('.');
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > 253 || !trimmed.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }
        if (EmailAddress.AsciiDomain(trimmed) is not { } ascii)
        {
            return null;
        }
        var labels = ascii.Split('.');
        return labels.All(l => l.Length is > 0 and <= 63 && l.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && l[0] != '-' && l[^1] != '-')
            ? ascii
            : null;
    }
}

/// <summary>An email domain a connection owns: unique across all connections.</summary>
public sealed class SignInConnectionDomain(Guid connectionId, string domain)
{
    public const int MaxLength = 253;

    public Guid ConnectionId { get; private set; } = connectionId;

    public string Domain { get; private set; } = domain;
}

/// <summary>A person of a provider (its <c>sub</c>) signed in as a Rosette user through a connection: later sign-ins follow the subject, not the email.</summary>
public sealed class ExternalLogin
{
    public const int SubjectMaxLength = 255;

    private ExternalLogin()
    {
    }

    public Guid ConnectionId { get; private set; }

    public string Subject { get; private set; } = "";

    public Guid UserId { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime LastSignInAt { get; private set; }

    public static ExternalLogin Create(Guid connectionId, string subject, Guid userId, DateTime now) =>
        new() { ConnectionId = connectionId, Subject = subject, UserId = userId, CreatedAt = now, LastSignInAt = now };

    public void SignedIn(DateTime now) => LastSignInAt = now;
}

/// <summary>What a connection's settings may change; null keeps the current value.</summary>
public sealed record SignInConnectionSettings(
    string? DisplayName, string? Issuer, string? ClientId, IReadOnlyCollection<string?>? EmailDomains, bool? CreateUsers, UserRole? CreatedUserRole,
    bool? AllowPasswords);

public static class SignInConnectionErrors
{
    public static readonly ForbiddenError NotConfigurable = new("sign_in_connection_not_allowed",
        "Only an administrator whose scope holds the organization configures its single sign-on.");

    public static readonly InvalidError RoleNotGrantable = InvalidError.Field("createdUserRole", "role_not_grantable",
        "People created on first sign-in are students or instructors, never administrators.");

    public static readonly InvalidError SecretRequiredForNewIssuer = InvalidError.Field("clientSecret", "client_secret_required",
        "Enter the client secret again: the issuer moved to another host, and the stored secret is sent only to the host it was entered for.");

    public static readonly ConflictError DomainTaken = new("email_domain_taken",
        "Another organization's single sign-on already owns one of these email domains.");

    public static readonly ConflictError DomainInUse = new("email_domain_in_use",
        "People outside this organization have email addresses in one of these domains: the domain cannot be claimed here.");

    public static readonly ConflictError DomainClaimed = new("email_domain_claimed",
        "This address is in an email domain that another organization's single sign-on owns: people with such addresses are created in that organization or below it.");

    public static readonly ConflictError AlreadyConnected = new("sign_in_connection_exists", "This organization already has a single sign-on connection.");

    // Sign-in refusals: the page shows the message; the audit log records the code.
    public static readonly ForbiddenError EmailUnverified = new("sso_email_unverified",
        "Your identity provider did not confirm your email address (email_verified), so Rosette cannot sign you in with it. Ask your administrator.");

    public static readonly ForbiddenError UserDeactivated = new("sso_user_deactivated", "Your Rosette account is deactivated. Ask your administrator.");

    public static readonly ForbiddenError UserNotLinkable = new("sso_user_not_linkable",
        "Your Rosette account cannot sign in through this organization's single sign-on. Log in with your password, or ask your administrator.");

    public static readonly ForbiddenError UnknownUser = new("sso_user_unknown",
        "You have no Rosette account yet, and this organization does not create accounts on first sign-in. Ask your administrator.");

    public static readonly ForbiddenError DomainNotOwned = new("sso_domain_not_owned",
        "Your email address is not in a domain of this organization's single sign-on, so no account is created for it. Ask your administrator.");

    public static readonly ForbiddenError PasswordsDisabled = new("password_sign_in_disabled",
        "Your organization signs in with single sign-on: use \"Sign in with single sign-on\" on the log-in page.");
}
