using Rosette.Domain.Organizations;

namespace Rosette.Domain.Badges;

public sealed class Badge
{
    public const int DescriptionMaxLength = 2000;
    public const int CriteriaMaxLength = 4000;
    public const int MaxValidityDays = 36500;
    public const int RenewalInstructionsMaxLength = 2000;
    public const int MaxReminders = 10;

    /// <summary>Days before expiry at which students are reminded unless a badge says otherwise: 30, 7, and on the day.</summary>
    public static readonly IReadOnlyList<int> DefaultReminderDays = [30, 7, 0];

    private readonly List<BadgeAvailability> _availability = [];

    private Badge()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public string Description { get; private set; } = "";

    /// <summary>The criteria narrative: what a student did to earn the badge.</summary>
    public string? Criteria { get; private set; }

    public Guid OrganizationId { get; private set; }

    public bool AllowManualIssuance { get; private set; }

    public bool IsArchived { get; private set; }

    /// <summary>How long an award stays valid; null when awards never expire.</summary>
    public int? ValidityDays { get; private set; }

    /// <summary>How many days before an award expires it may be renewed (it may always be once expired).</summary>
    public int RenewalWindowDays { get; private set; } = Issuance.RenewalRules.DefaultWindowDays;

    /// <summary>Days before expiry at which the student is reminded (0: on the day it expires), largest first; each once.</summary>
    public List<int> ReminderDays { get; private set; } = [.. DefaultReminderDays];

    /// <summary>Whether students are mailed the reminders (the expiring and expired events happen either way).</summary>
    public bool SendReminders { get; private set; } = true;

    /// <summary>How to renew, told in the reminders (plain text, a URL or a few sentences); null when the badge says nothing.</summary>
    public string? RenewalInstructions { get; private set; }

    /// <summary>Content type of the image, null when the badge has none.</summary>
    public string? ImageContentType { get; private set; }

    /// <summary>Changes with every new image, so image URLs can be cached forever.</summary>
    public int ImageVersion { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>The badge provider awards of this badge are delivered to, with the provider's template id.</summary>
    public Guid? ProviderId { get; private set; }

    public string? ProviderTemplateId { get; private set; }

    /// <summary>Child organizations that may attach this badge to their achievements.</summary>
    public IReadOnlyCollection<BadgeAvailability> Availability => _availability;

    public static Result<Badge> Create(
        string? name, string? description, string? criteria, Organization organization, bool allowManualIssuance,
        int? validityDays, IReadOnlyCollection<Organization> availableTo, DateTime now)
    {
        var badge = new Badge
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            AllowManualIssuance = allowManualIssuance,
            CreatedAt = now,
        };
        var error = badge.Update(new BadgeChanges(name, description, criteria, allowManualIssuance, null, validityDays, false, availableTo), organization, now);
        return error is null ? badge : error;
    }

    public Error? Update(BadgeChanges changes, Organization organization, DateTime now)
    {
        var errors = new ValidationErrors();
        var name = changes.Name is null && Name.Length > 0 ? Name : errors.Check(Text.Required("name", changes.Name));
        var description = changes.Description is null && Description.Length > 0
            ? Description
            : errors.Check(Text.Required("description", changes.Description, DescriptionMaxLength));
        var criteria = changes.Criteria is null ? Criteria : errors.Check(Text.Optional("criteria", changes.Criteria, CriteriaMaxLength));
        if (changes.ValidityDays is < 1 or > MaxValidityDays)
        {
            errors.Add(InvalidError.Field("validityDays", InvalidError.ValidationFailed, $"'validityDays' must be between 1 and {MaxValidityDays}."));
        }
        if (changes.AvailableTo is not null && changes.AvailableTo.Any(o => o.Id == organization.Id || !o.IsWithin(organization)))
        {
            errors.Add(BadgeErrors.InvalidAvailability);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        Name = name!;
        Description = description!;
        Criteria = criteria;
        AllowManualIssuance = changes.AllowManualIssuance ?? AllowManualIssuance;
        IsArchived = changes.Archived ?? IsArchived;
        ValidityDays = changes.ClearValidity ? null : changes.ValidityDays ?? ValidityDays;
        if (changes.AvailableTo is not null)
        {
            _availability.RemoveAll(a => changes.AvailableTo.All(o => o.Id != a.OrganizationId));
            foreach (var organizationId in changes.AvailableTo.Select(o => o.Id).Where(id => _availability.All(a => a.OrganizationId != id)).Distinct())
            {
                _availability.Add(new BadgeAvailability(Id, organizationId));
            }
        }
        UpdatedAt = now;
        return null;
    }

    /// <summary>Sets how awards of the badge are renewed and reminded; a null member is left as it is.</summary>
    public Error? SetLifecycle(BadgeLifecycle changes, DateTime now)
    {
        var errors = new ValidationErrors();
        if (changes.RenewalWindowDays is < 0 or > MaxValidityDays)
        {
            errors.Add(InvalidError.Field("renewalWindowDays", InvalidError.ValidationFailed, $"'renewalWindowDays' must be between 0 and {MaxValidityDays}."));
        }
        if (changes.ReminderDays is { } days && (days.Count > MaxReminders || days.Any(d => d is < 0 or > MaxValidityDays)))
        {
            errors.Add(InvalidError.Field("reminderDays", InvalidError.ValidationFailed,
                $"'reminderDays' takes at most {MaxReminders} numbers of days before expiry, each between 0 (the day it expires) and {MaxValidityDays}."));
        }
        var instructions = changes.RenewalInstructions is null ? RenewalInstructions
            : errors.Check(Text.Optional("renewalInstructions", changes.RenewalInstructions, RenewalInstructionsMaxLength));
        if (errors.Any)
        {
            return errors.ToError();
        }
        RenewalWindowDays = changes.RenewalWindowDays ?? RenewalWindowDays;
        ReminderDays = changes.ReminderDays is { } reminders ? [.. reminders.Distinct().OrderDescending()] : ReminderDays;
        SendReminders = changes.SendReminders ?? SendReminders;
        RenewalInstructions = changes.RenewalInstructions is null ? RenewalInstructions : instructions;
        UpdatedAt = now;
        return null;
    }

    public void SetImage(string contentType, DateTime now)
    {
        ImageContentType = contentType;
        ImageVersion++;
        UpdatedAt = now;
    }

    /// <summary>Links the badge to a provider's template (or unlinks it with null); the provider must serve the badge's organization.</summary>
    public Error? LinkProvider(Providers.BadgeProvider? provider, string? templateId, DateTime now)
    {
        if (provider is null)
        {
            ProviderId = null;
            ProviderTemplateId = null;
            UpdatedAt = now;
            return null;
        }
        if (!provider.ServesOrganization(OrganizationId))
        {
            return Providers.ProviderErrors.ProviderNotAvailable;
        }
        var template = Text.Required("providerTemplateId", templateId);
        if (!template.IsSuccess)
        {
            // Too long or with control characters: the check's own message says so.
            return string.IsNullOrWhiteSpace(templateId) ? Providers.ProviderErrors.TemplateRequired : template.Error;
        }
        ProviderId = provider.Id;
        ProviderTemplateId = template.Value;
        UpdatedAt = now;
        return null;
    }

    /// <summary>When an award issued at <paramref name="issuedAt"/> expires, or null if it never does.</summary>
    public DateTime? ExpiryFor(DateTime issuedAt) => ValidityDays is { } days ? issuedAt.AddDays(days) : null;
}

/// <summary>What a badge edit changes; a null member is left as it is.</summary>
public sealed record BadgeChanges(
    string? Name,
    string? Description,
    string? Criteria,
    bool? AllowManualIssuance,
    bool? Archived,
    int? ValidityDays,
    bool ClearValidity,
    IReadOnlyCollection<Organization>? AvailableTo);

/// <summary>How a badge's awards are renewed and reminded; a null member is left as it is (an empty instructions text clears them).</summary>
public sealed record BadgeLifecycle(int? RenewalWindowDays, IReadOnlyList<int>? ReminderDays, bool? SendReminders, string? RenewalInstructions);

public sealed class BadgeAvailability(Guid badgeId, Guid organizationId)
{
    public Guid BadgeId { get; private set; } = badgeId;

    public Guid OrganizationId { get; private set; } = organizationId;
}

/// <summary>The bytes of a badge's image, kept apart from the badge so that listing badges never loads them.</summary>
public sealed class BadgeImage(Guid badgeId, string contentType, byte[] data)
{
    public Guid BadgeId { get; private set; } = badgeId;

    public string ContentType { get; set; } = contentType;

    public byte[] Data { get; set; } = data;
}

public static class BadgeErrors
{
    public static readonly InvalidError InvalidAvailability = InvalidError.Field(
        "availableToOrganizationIds", "invalid_availability", "A badge can be made available only to descendants of its own organization.");

    public static readonly InvalidError ImageTooLarge = InvalidError.Field(
        "image", "image_too_large", $"The image must be at most {BadgeImageContent.MaxBytes} bytes.");

    public static readonly InvalidError InvalidImageDataUri = InvalidError.Field(
        "image", "invalid_image", "The image must be a base64 data: URI, for example data:image/png;base64,....");
}
