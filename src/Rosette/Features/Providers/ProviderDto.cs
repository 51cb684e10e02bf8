using Rosette.Domain.Providers;

namespace Rosette.Features.Providers;

/// <summary>A provider as the API shows it: never the token, only whether one is set. <c>Notifications</c> says who mails the students.</summary>
public sealed record ProviderDto(
    Guid Id, string Name, Guid OrganizationId, ProviderType Type, string ProviderOrganizationId, string ApiBaseUrl, bool HasApiToken,
    IReadOnlyList<Guid> AvailableToOrganizationIds, ProviderNotifications Notifications, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ProviderDto From(BadgeProvider p) => new(
        p.Id, p.Name, p.OrganizationId, p.Type, p.ProviderOrganizationId, p.ApiBaseUrl, p.ProtectedApiToken.Length > 0,
        p.Availability.Select(a => a.OrganizationId).Order().ToList(), p.Notifications, p.CreatedAt, p.UpdatedAt);
}
