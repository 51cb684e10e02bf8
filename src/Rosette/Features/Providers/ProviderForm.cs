using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Providers;

/// <summary>The provider form of the list and edit pages. The token field is write-only: empty keeps the current token.</summary>
public sealed class ProviderForm
{
    public string? Name { get; set; }

    public Guid? OrganizationId { get; set; }

    public string? ProviderOrganizationId { get; set; }

    public string? ApiBaseUrl { get; set; } = "https://api.credly.com/v1";

    public string? ApiToken { get; set; }

    public Domain.Providers.ProviderNotifications Notifications { get; set; }

    public CreateProviderRequest ToCreateRequest() =>
        new(Name, OrganizationId, Domain.Providers.ProviderType.Credly, ProviderOrganizationId, ApiToken, ApiBaseUrl, null, Notifications);

    public UpdateProviderRequest ToUpdateRequest() => new(Name, ProviderOrganizationId, ApiToken, ApiBaseUrl, null, Notifications);

    /// <summary>Invalid input goes inline, beside its field; anything else is an error page.</summary>
    public IActionResult? ShowErrors(PageModel page, Error error)
    {
        ApiToken = null;
        if (error is not InvalidError)
        {
            return page.ErrorPage(error);
        }
        page.ModelState.AddError(error, "Form");
        return null;
    }
}
