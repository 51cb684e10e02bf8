using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Providers;

public sealed record LinkedBadge(Guid Id, string Name, string? TemplateId);

/// <summary>One provider: edit it (the token stays write-only) and link the badges it serves to its templates.</summary>
public sealed class ProviderPageModel(ProvidersHandler providers, RosetteDb db) : PageModel
{
    public ProviderDto Provider { get; private set; } = null!;

    public IReadOnlyList<LinkedBadge> Badges { get; private set; } = [];

    [BindProperty]
    public ProviderForm Form { get; set; } = new();

    [TempData]
    public string? ProviderMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid providerId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(providerId, cancellationToken) is { } error)
        {
            return error;
        }
        Form = new ProviderForm
        {
            Name = Provider.Name, ProviderOrganizationId = Provider.ProviderOrganizationId, ApiBaseUrl = Provider.ApiBaseUrl, Notifications = Provider.Notifications,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid providerId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(providerId, cancellationToken) is { } error)
        {
            return error;
        }
        var updated = await providers.UpdateAsync(HttpContext.GetActor(), providerId, Form.ToUpdateRequest(), cancellationToken);
        if (!updated.IsSuccess)
        {
            return Form.ShowErrors(this, updated.Error) ?? Page();
        }
        ProviderMessage = "The provider was saved.";
        return Redirect($"/providers/{providerId}");
    }

    public async Task<IActionResult> OnPostLinkAsync(Guid providerId, Guid badgeId, string? templateId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(providerId, cancellationToken) is { } error)
        {
            return error;
        }
        var request = string.IsNullOrWhiteSpace(templateId) ? new LinkBadgeProviderRequest(null, null) : new LinkBadgeProviderRequest(providerId, templateId);
        var linked = await providers.LinkBadgeAsync(HttpContext.GetActor(), badgeId, request, cancellationToken);
        if (!linked.IsSuccess)
        {
            return this.ErrorPage(linked.Error);
        }
        ProviderMessage = string.IsNullOrWhiteSpace(templateId)
            ? $"{linked.Value.Name} is no longer delivered to {Provider.Name}."
            : $"{linked.Value.Name} is now delivered to {Provider.Name} as template {templateId.Trim()}.";
        return Redirect($"/providers/{providerId}");
    }

    private async Task<IActionResult?> LoadAsync(Guid providerId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var provider = await providers.GetAsync(actor, providerId, cancellationToken);
        if (!provider.IsSuccess)
        {
            return this.ErrorPage(provider.Error);
        }
        Provider = provider.Value;
        // The badges this provider can serve: of its organization and of the organizations it is available to, in scope.
        var served = Provider.AvailableToOrganizationIds.Append(Provider.OrganizationId).ToList();
        Badges = await db.Badges.AsNoTracking().AdministeredBy(db, actor)
            .Where(b => served.Contains(b.OrganizationId) && !b.IsArchived && (b.ProviderId == null || b.ProviderId == providerId))
            .OrderBy(b => b.Name)
            .Select(b => new LinkedBadge(b.Id, b.Name, b.ProviderId == providerId ? b.ProviderTemplateId : null))
            .ToListAsync(cancellationToken);
        return null;
    }
}
