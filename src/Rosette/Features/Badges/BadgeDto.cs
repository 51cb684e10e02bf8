using Rosette.Domain.Badges;

namespace Rosette.Features.Badges;

public sealed record BadgeDto(
    Guid Id, string Name, string Description, string? Criteria, Guid OrganizationId, bool AllowManualIssuance, bool Archived,
    int? ValidityDays, IReadOnlyList<Guid> AvailableToOrganizationIds, string? ImageUrl, Guid? ProviderId, string? ProviderTemplateId,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    /// <summary>Days before expiry from which an award may be renewed.</summary>
    public int RenewalWindowDays { get; init; }

    /// <summary>Days before expiry at which students are reminded (0: the day it expires).</summary>
    public IReadOnlyList<int> ReminderDays { get; init; } = [];

    public bool SendReminders { get; init; }

    public string? RenewalInstructions { get; init; }

    public static BadgeDto From(Badge b) => new(
        b.Id, b.Name, b.Description, b.Criteria, b.OrganizationId, b.AllowManualIssuance, b.IsArchived, b.ValidityDays,
        b.Availability.Select(a => a.OrganizationId).Order().ToList(), UrlOf(b), b.ProviderId, b.ProviderTemplateId, b.CreatedAt, b.UpdatedAt)
    {
        RenewalWindowDays = b.RenewalWindowDays, ReminderDays = b.ReminderDays, SendReminders = b.SendReminders, RenewalInstructions = b.RenewalInstructions,
    };

    public static string? UrlOf(Badge b) => b.ImageContentType is null ? null : BadgeImages.Url(b.Id, b.ImageVersion);
}
