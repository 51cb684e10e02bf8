using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Webhooks;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Webhooks;

/// <summary>The webhook endpoints the administrator manages, and a form to add one; its secret is shown in the answer, once.</summary>
public sealed class WebhooksPageModel(WebhookEndpointsHandler endpoints, RosetteDb db) : PageModel
{
    public Paged<WebhookEndpointDto> Endpoints { get; private set; } = null!;

    /// <summary>The organizations whose endpoints the administrator may manage (strictly below their own, or any for a system administrator).</summary>
    public IReadOnlyList<(Guid Id, string Name)> Organizations { get; private set; } = [];

    [BindProperty]
    public WebhookForm Form { get; set; } = new();

    /// <summary>The endpoint just created, with its secret: rendered in this answer only, never stored in clear.</summary>
    public WebhookEndpointDto? Created { get; private set; }

    [TempData]
    public string? WebhooksMessage { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var created = await endpoints.CreateAsync(actor, new CreateWebhookEndpointRequest(Form.OrganizationId, Form.Url, Form.Events, Form.Description), cancellationToken);
        if (!created.IsSuccess)
        {
            if (created.Error is not InvalidError)
            {
                return this.ErrorPage(created.Error);
            }
            ModelState.AddError(created.Error, "Form");
        }
        else
        {
            Created = created.Value;
            Form = new WebhookForm();
            ModelState.Clear();
        }
        return await LoadAsync(cancellationToken) ?? Page();
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var list = await endpoints.ListAsync(actor, new PageRequest(1, PageRequest.MaxPageSize, null), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Endpoints = list.Value;
        var administered = await db.Organizations.AsNoTracking().AdministeredBy(actor).OrderBy(o => o.Path)
            .Select(o => new { o.Id, o.Name, o.Path }).ToListAsync(cancellationToken);
        Organizations = administered.Where(o => WebhookRules.WhyNotManage(actor, o.Path, o.Id, "organization") is null).Select(o => (o.Id, o.Name)).ToList();
        return null;
    }
}

/// <summary>The endpoint form: where, which events, and a note for whoever reads the list.</summary>
public sealed class WebhookForm
{
    public Guid? OrganizationId { get; set; }

    public string? Url { get; set; }

    public string? Description { get; set; }

    public List<string> Events { get; set; } = [];
}
