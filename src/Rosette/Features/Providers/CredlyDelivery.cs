using Rosette.Data;
using Rosette.Domain.Providers;

namespace Rosette.Features.Providers;

/// <summary>Where and how to reach one provider account.</summary>
public sealed record ProviderEndpoint(string ApiBaseUrl, string ProviderOrganizationId, string ApiToken);

/// <summary>Everything the requests of one delivery need.</summary>
public sealed record CredlyDelivery(ProviderEndpoint Endpoint, CredlyIssue Issue, string? RevocationReason, bool RosetteMails)
{
    public static CredlyDelivery From(DeliveryContext context, string apiToken)
    {
        var (award, student, provider) = (context.Award, context.Student, context.Provider);
        var rosetteMails = provider.Notifications == ProviderNotifications.Rosette;
        return new CredlyDelivery(
            new ProviderEndpoint(provider.ApiBaseUrl, provider.ProviderOrganizationId, apiToken),
            CredlyIssue.For(student.Email, student.FirstName, student.LastName, context.BadgeTemplateId ?? "", award.IssuedAt, award.StudentId, award.ExpiresAt,
                rosetteMails, context.Language, award.Narrative),
            award.RevocationReason, rosetteMails);
    }
}
