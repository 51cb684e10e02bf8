namespace Rosette.Domain.Audit;

/// <summary>What an audit entry records. Stored by name; the API writes it in snake_case (<c>badges_issued</c>).</summary>
public enum AuditKind
{
    OrganizationCreated,
    OrganizationUpdated,
    UserCreated,
    UserUpdated,
    PasswordReset,
    ClassCreated,
    ClassUpdated,
    InstructorAssigned,
    InstructorRemoved,
    StudentsEnrolled,
    StudentUnenrolled,
    RosterImported,
    CourseCreated,
    CourseUpdated,
    CourseAssigned,
    CourseAssignmentUpdated,
    BadgeCreated,
    BadgeUpdated,
    BadgeArchived,
    BadgeRestored,
    BadgesIssued,
    AwardRevoked,
    SignInFailed,
    LockedOut,
    PrivilegeRefused,
    ProviderCreated,
    ProviderUpdated,
    WebhookEndpointCreated,
    WebhookEndpointUpdated,
    WebhookEndpointDeleted,
    WebhookDeliveriesReplayed,
    AwardsRenewed,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyRefused,
    SignInConnectionCreated,
    SignInConnectionUpdated,
    SignInConnectionDeleted,
    SingleSignOnLinked,
    SingleSignOnFailed,
    AchievementCreated,
    AchievementUpdated,
    AchievementDeleted,
}

/// <summary>
/// One line of the audit log: who (<see cref="ActorId"/>, null for the installation itself or an anonymous caller),
/// when, what (<see cref="Kind"/>, <see cref="Summary"/> and <see cref="Data"/>), from where (<see cref="IpAddress"/>),
/// and in which organization, which decides who may read it. Entries are only ever added: nothing here changes one,
/// and database triggers refuse UPDATE and DELETE.
/// </summary>
public sealed class AuditEntry
{
    public const int SummaryMaxLength = 1000;
    public const int DataMaxLength = 4000;
    public const int IpAddressMaxLength = 64;

    private AuditEntry()
    {
    }

    public long Id { get; private set; }

    public DateTime At { get; private set; }

    public AuditKind Kind { get; private set; }

    public Guid? ActorId { get; private set; }

    // ActorId is a user's id, or an API key's when a machine acted (the log names the key).

    /// <summary>The organization the change belongs to; null only for what no organization owns (a sign-in with an unknown email).</summary>
    public Guid? OrganizationId { get; private set; }

    /// <summary>The id of what changed: an organization, user, class, course, badge, award or issuance batch.</summary>
    public Guid? EntityId { get; private set; }

    public string Summary { get; private set; } = "";

    /// <summary>JSON details: the fields that changed (old and new values) or a batch's counts.</summary>
    public string? Data { get; private set; }

    public string? IpAddress { get; private set; }

    public static AuditEntry Create(
        DateTime at, AuditKind kind, Guid? actorId, Guid? organizationId, Guid? entityId, string summary, string? data, string? ipAddress) => new()
    {
        At = at,
        Kind = kind,
        ActorId = actorId == Guid.Empty ? null : actorId,
        OrganizationId = organizationId,
        EntityId = entityId,
        Summary = Cut(summary, SummaryMaxLength)!,
        Data = data is { Length: > DataMaxLength } ? null : data,
        IpAddress = Cut(ipAddress, IpAddressMaxLength),
    };

    private static string? Cut(string? value, int max) => value is { Length: > 0 } && value.Length > max ? value[..(max - 1)] + "…" : value;
}
