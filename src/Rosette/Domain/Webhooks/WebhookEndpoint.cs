using Rosette.Domain.Users;

namespace Rosette.Domain.Webhooks;

/// <summary>The events an endpoint may ask for.</summary>
public static class WebhookEventTypes
{
    public const string AwardIssued = "award.issued";
    public const string AwardRevoked = "award.revoked";
    public const string AwardRenewed = "award.renewed";
    public const string AwardExpiring = "award.expiring";
    public const string AwardExpired = "award.expired";
    public const string AchievementEarned = "achievement.earned";
    public const string BatchCompleted = "batch.completed";

    public static readonly IReadOnlyList<string> All = [AwardIssued, AwardRevoked, AwardRenewed, AwardExpiring, AwardExpired, AchievementEarned, BatchCompleted];
}

/// <summary>
/// Where an organization's events go: an https URL that receives the events of the organization and every organization
/// below it that it asks for, signed with its secret (Standard Webhooks: <c>whsec_</c> and base64 of 32 random bytes,
/// shown once, kept encrypted because it must be used to sign). An endpoint that keeps failing is disabled.
/// </summary>
public sealed class WebhookEndpoint
{
    public const int UrlMaxLength = 2000;
    public const int DescriptionMaxLength = 500;
    public const string SecretPrefix = "whsec_";

    private WebhookEndpoint()
    {
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public string Url { get; private set; } = "";

    public string? Description { get; private set; }

    public List<string> Events { get; private set; } = [];

    /// <summary>The secret, encrypted with Data Protection.</summary>
    public string ProtectedSecret { get; private set; } = "";

    public bool IsEnabled { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public Guid? CreatedById { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>Since when every attempt failed (reset by any success); past <c>DisableAfter</c> the endpoint is disabled.</summary>
    public DateTime? FailingSince { get; private set; }

    public DateTime? DisabledAt { get; private set; }

    public string? DisabledReason { get; private set; }

    public static Result<WebhookEndpoint> Create(
        Guid organizationId, string? url, IReadOnlyList<string>? events, string? description, string protectedSecret, Guid? createdById, bool allowPlainHttp, DateTime now)
    {
        var endpoint = new WebhookEndpoint
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organizationId,
            ProtectedSecret = protectedSecret,
            IsEnabled = true,
            CreatedAt = now,
            CreatedById = createdById,
        };
        var error = endpoint.Update(url, events ?? [], description, allowPlainHttp, now);
        return error is null ? endpoint : error;
    }

    /// <summary>Changes the URL, the events or the description; a null member is left as it is.</summary>
    public Error? Update(string? url, IReadOnlyList<string>? events, string? description, bool allowPlainHttp, DateTime now)
    {
        var errors = new ValidationErrors();
        var validUrl = url is null && Url.Length > 0 ? Url : errors.Check(WebhookRules.ParseUrl(url, allowPlainHttp));
        if (events is not null && (events.Count == 0 || events.Any(e => !WebhookEventTypes.All.Contains(e))))
        {
            errors.Add(InvalidError.Field("events", InvalidError.ValidationFailed, $"'events' must name at least one of: {string.Join(", ", WebhookEventTypes.All)}."));
        }
        var validDescription = description is null ? Description : errors.Check(Text.Optional("description", description, DescriptionMaxLength));
        if (errors.Any)
        {
            return errors.ToError();
        }
        Url = validUrl!;
        Events = events is null ? Events : [.. events.Distinct()];
        Description = validDescription;
        UpdatedAt = now;
        return null;
    }

    public void ReplaceSecret(string protectedSecret, DateTime now)
    {
        ProtectedSecret = protectedSecret;
        UpdatedAt = now;
    }

    /// <summary>Turns the endpoint on again (after it was disabled) or off by hand.</summary>
    public void SetEnabled(bool enabled, DateTime now)
    {
        IsEnabled = enabled;
        FailingSince = null;
        DisabledAt = enabled ? null : now;
        DisabledReason = enabled ? null : "Disabled by an administrator.";
        UpdatedAt = now;
    }

    public bool Wants(string eventType) => IsEnabled && Events.Contains(eventType);
}

/// <summary>Who may manage endpoints, and what URLs they may point to.</summary>
public static class WebhookRules
{
    /// <summary>
    /// Endpoints of an organization's subtree receive everything that happens in it, as an administrator of it would
    /// see it: only someone who may manage an administrator of that organization (strictly more power, see
    /// <see cref="Actor.MayManage"/>) creates, changes, reads or replays them. Outside the actor's scope: not found.
    /// </summary>
    public static Error? WhyNotManage(Actor actor, string organizationPath, Guid endpointOrOrganizationId, string what) =>
        !actor.Administers(organizationPath) ? CommonErrors.NotFound(what, endpointOrOrganizationId)
        : !actor.MayManage(new Authority(UserRole.Administrator, organizationPath, IsSystemAdministrator: false)) ? WebhookErrors.NotManageable
        : null;

    /// <summary>
    /// An absolute https URL without credentials, whose host is not a literal private address (names are resolved and checked
    /// at every connection by the outbound policy). Plain http only where private networks are allowed (tests). No control
    /// character (NUL, tab, line breaks inside), which <see cref="Uri"/> would drop or escape into another URL than the one
    /// stored, and no port 0, which nothing can be connected to.
    /// </summary>
    public static Result<string> ParseUrl(string? value, bool allowPlainHttp)
    {
        var trimmed = value?.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || trimmed!.Length > WebhookEndpoint.UrlMaxLength
            || (uri.Scheme != Uri.UriSchemeHttps && !(allowPlainHttp && uri.Scheme == Uri.UriSchemeHttp))
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return InvalidError.Field("url", "invalid_webhook_url", "'url' must be an absolute https URL without user name, password or fragment.");
        }
        if (trimmed.Any(char.IsControl) || uri.Port == 0)
        {
            return InvalidError.Field("url", "invalid_webhook_url", "'url' must not contain control characters or name port 0.");
        }
        if (!allowPlainHttp && Infrastructure.Http.Outbound.NamesNonPublicHost(uri))
        {
            return InvalidError.Field("url", "invalid_webhook_url", "'url' must point to a public address, not a loopback, private or link-local one.");
        }
        return trimmed;
    }
}

public static class WebhookErrors
{
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage webhook endpoints.");

    public static readonly ForbiddenError NotManageable = new("webhook_not_manageable",
        "Webhook endpoints of an organization are managed by administrators above it (or system administrators).");

    public static readonly ConflictError DeliveryNotFailed = new("delivery_not_failed", "Only a failed delivery can be replayed.");
}
