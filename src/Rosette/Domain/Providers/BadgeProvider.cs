using Rosette.Domain.Organizations;

namespace Rosette.Domain.Providers;

public enum ProviderType
{
    Credly,
}

/// <summary>Who emails the student when a badge delivered through the provider is issued or revoked: never both.</summary>
public enum ProviderNotifications
{
    /// <summary>Rosette mails; the provider is asked not to (Credly: suppress_badge_notification_email, suppress_revoke_notification_email).</summary>
    Rosette,

    /// <summary>The provider mails; Rosette sends nothing for awards delivered through it.</summary>
    Provider,
}

/// <summary>
/// An external badge provider account (Credly) of an organization. The API token is stored encrypted; the domain only
/// ever holds its ciphertext, and nothing returns it.
/// </summary>
public sealed class BadgeProvider
{
    private readonly List<ProviderAvailability> _availability = [];

    private BadgeProvider()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid OrganizationId { get; private set; }

    public ProviderType Type { get; private set; }

    /// <summary>The organization id at the provider.</summary>
    public string ProviderOrganizationId { get; private set; } = "";

    public string ApiBaseUrl { get; private set; } = "";

    public string ProtectedApiToken { get; private set; } = "";

    public ProviderNotifications Notifications { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>Child organizations whose badges may be delivered through this provider.</summary>
    public IReadOnlyCollection<ProviderAvailability> Availability => _availability;

    public static Result<BadgeProvider> Create(
        string? name, Organization organization, ProviderType type, string? providerOrganizationId, string? apiBaseUrl, string? protectedToken,
        IReadOnlyCollection<Organization> availableTo, ProviderAddressRules addresses, DateTime now)
    {
        var provider = new BadgeProvider { Id = Guid.CreateVersion7(), OrganizationId = organization.Id, Type = type, CreatedAt = now };
        var error = provider.Update(name, providerOrganizationId, apiBaseUrl, protectedToken, availableTo, organization, addresses, now);
        return error is null ? provider : error;
    }

    /// <summary>
    /// Changes the provider; null arguments keep the current values. A new API address on another origin needs the token
    /// entered again: the stored one is sent only to the origin it was entered for.
    /// </summary>
    public Error? Update(
        string? name, string? providerOrganizationId, string? apiBaseUrl, string? protectedToken, IReadOnlyCollection<Organization>? availableTo,
        Organization organization, ProviderAddressRules addresses, DateTime now)
    {
        var errors = new ValidationErrors();
        var validName = name is null && Name.Length > 0 ? Name : errors.Check(Text.Required("name", name));
        var validOrganizationId = providerOrganizationId is null && ProviderOrganizationId.Length > 0
            ? ProviderOrganizationId
            : errors.Check(Text.Required("providerOrganizationId", providerOrganizationId));
        var validUrl = apiBaseUrl is null && ApiBaseUrl.Length > 0 ? ApiBaseUrl : errors.Check(addresses.Parse(apiBaseUrl));
        if (availableTo is not null && availableTo.Any(o => o.Id == organization.Id || !o.IsWithin(organization)))
        {
            errors.Add(ProviderErrors.InvalidAvailability);
        }
        if (protectedToken is null && ProtectedApiToken.Length == 0)
        {
            errors.Add(InvalidError.Field("apiToken", InvalidError.ValidationFailed, "'apiToken' is required."));
        }
        else if (protectedToken is null && validUrl is not null && ProviderAddressRules.Origin(validUrl) != ProviderAddressRules.Origin(ApiBaseUrl))
        {
            errors.Add(ProviderErrors.TokenRequiredForNewAddress);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        Name = validName!;
        ProviderOrganizationId = validOrganizationId!;
        ApiBaseUrl = validUrl!;
        ProtectedApiToken = protectedToken ?? ProtectedApiToken;
        if (availableTo is not null)
        {
            _availability.RemoveAll(a => availableTo.All(o => o.Id != a.OrganizationId));
            foreach (var id in availableTo.Select(o => o.Id).Where(id => _availability.All(a => a.OrganizationId != id)).Distinct())
            {
                _availability.Add(new ProviderAvailability(Id, id));
            }
        }
        UpdatedAt = now;
        return null;
    }

    public void SetNotifications(ProviderNotifications notifications, DateTime now)
    {
        if (notifications != Notifications)
        {
            Notifications = notifications;
            UpdatedAt = now;
        }
    }

    /// <summary>Whether badges of <paramref name="badgeOrganizationId"/> may be delivered through this provider.</summary>
    public bool ServesOrganization(Guid badgeOrganizationId) =>
        badgeOrganizationId == OrganizationId || _availability.Any(a => a.OrganizationId == badgeOrganizationId);
}

public sealed class ProviderAvailability(Guid providerId, Guid organizationId)
{
    public Guid ProviderId { get; private set; } = providerId;

    public Guid OrganizationId { get; private set; } = organizationId;
}

public static class ProviderErrors
{
    public const int TokenMaxLength = 500;

    public static readonly InvalidError InvalidAvailability = InvalidError.Field(
        "availableToOrganizationIds", "invalid_availability", "A provider can be made available only to descendants of its own organization.");

    public static readonly InvalidError TokenRequiredForNewAddress = InvalidError.Field("apiToken", "api_token_required",
        "Enter the API token again: the API address moved to another host, and the stored token is sent only to the address it was entered for.");

    public static readonly InvalidError ProviderNotAvailable = InvalidError.Field(
        "providerId", "provider_not_available", "This provider does not serve the badge's organization.");

    public static readonly InvalidError TemplateRequired = InvalidError.Field(
        "providerTemplateId", InvalidError.ValidationFailed, "'providerTemplateId' is required with a provider.");

    public static readonly ConflictError NotFailed = new("delivery_not_failed", "Only a failed delivery can be retried.");
}
