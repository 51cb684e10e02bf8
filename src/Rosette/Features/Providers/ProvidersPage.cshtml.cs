using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Providers;

/// <summary>Badge providers of the administrator's scope, and a form to add one.</summary>
public sealed class ProvidersPageModel(ProvidersHandler providers, RosetteDb db) : PageModel
{
    public Paged<ProviderDto> Providers { get; private set; } = null!;

    public IReadOnlyList<(Guid Id, string Name)> Organizations { get; private set; } = [];

    [BindProperty]
    public ProviderForm Form { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync(cancellationToken) is { } error)
        {
            return error;
        }
        var created = await providers.CreateAsync(HttpContext.GetActor(), Form.ToCreateRequest(), cancellationToken);
        if (!created.IsSuccess)
        {
            return Form.ShowErrors(this, created.Error) ?? Page();
        }
        return Redirect($"/providers/{created.Value.Id}");
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var list = await providers.ListAsync(actor, new PageRequest(1, PageRequest.MaxPageSize, null), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Providers = list.Value;
        Organizations = (await db.Organizations.AsNoTracking().AdministeredBy(actor).OrderBy(o => o.Path).Select(o => new { o.Id, o.Name }).ToListAsync(cancellationToken))
            .Select(o => (o.Id, o.Name)).ToList();
        return null;
    }
}

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
