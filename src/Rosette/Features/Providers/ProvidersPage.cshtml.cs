using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
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
