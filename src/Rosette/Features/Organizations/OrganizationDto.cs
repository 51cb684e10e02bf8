using Rosette.Domain.Organizations;

namespace Rosette.Features.Organizations;

/// <summary>An organization; <c>Language</c> is a BCP 47 tag or null (Credly mails its badges in it when it offers it).</summary>
public sealed record OrganizationDto(Guid Id, string Name, Guid? ParentId, bool EnableAchievements, string? Language, DateTime CreatedAt)
{
    /// <summary>Whether students of the organization's badges are mailed expiry reminders.</summary>
    public bool SendExpiryReminders { get; init; }

    public static OrganizationDto From(Organization o) =>
        new(o.Id, o.Name, o.ParentId, o.EnableAchievements, o.Language, o.CreatedAt) { SendExpiryReminders = o.SendExpiryReminders };
}
