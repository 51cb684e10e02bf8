using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Organizations;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Audit;

/// <summary>The audit log of the administrator's scope, filtered by GET (so every view has a URL) and downloadable as CSV.</summary>
public sealed class AuditLogPageModel(AuditLogHandler handler, OrganizationsHandler organizations) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? OrganizationId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? ActorId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    /// <summary>The last day shown, inclusive.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    /// <summary>From the query only (see OnGetAsync): Razor Pages keeps a route value named "page" for itself.</summary>
    public int? PageNumber { get; private set; }

    /// <summary>The cursor this page starts after (the Next link's); null on the first page.</summary>
    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public Paged<AuditEntryDto> Entries { get; private set; } = null!;

    public CursorPager Pager { get; private set; } = null!;

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public string? ActorName { get; private set; }

    public string? Problem { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        PageNumber = page;
        var actor = HttpContext.GetActor();
        var list = await handler.ListAsync(actor, Query(), cancellationToken);
        if (!list.IsSuccess)
        {
            if (list.Error is not Domain.InvalidError)
            {
                return this.ErrorPage(list.Error);
            }
            Problem = list.Error.Message;
            list = new Paged<AuditEntryDto>([], 1, PageRequest.DefaultPageSize, 0);
        }
        var tree = await organizations.LoadAsync(actor, cancellationToken);
        Organizations = tree.IsSuccess ? tree.Value : [];
        Entries = list.Value;
        ActorName = ActorId is null ? null : Entries.Items.FirstOrDefault(e => e.ActorId == ActorId)?.ActorName ?? ActorId.ToString();
        Pager = new CursorPager("/admin/audit", After is null && Entries.Page == 1, Entries.Next, Filters());
        return Page();
    }

    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        var rows = await handler.ExportAsync(HttpContext.GetActor(), Query().ToFilter(), cancellationToken);
        if (!rows.IsSuccess)
        {
            return this.ErrorPage(rows.Error);
        }
        await CsvExport.WriteResponseAsync(Response, "audit-log.csv", AuditLogHandler.CsvHeader, rows.Value, AuditLogHandler.CsvFields, cancellationToken);
        return new EmptyResult();
    }

    public string ExportUrl => "/admin/audit" + QueryString.Create(Filters().Append(new("handler", "Export")).Where(f => !string.IsNullOrEmpty(f.Value)));

    public string WithActor(Guid? actorId) =>
        "/admin/audit" + QueryString.Create(Filters().Where(f => f.Key != "actorId").Append(new("actorId", actorId?.ToString())).Where(f => !string.IsNullOrEmpty(f.Value)));

    private AuditQuery Query() => new(PageNumber, null, OrganizationId, ActorId, string.IsNullOrEmpty(Kind) ? null : Kind,
        From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), To is { } to ? Clock.EndOf(to) : null, After);

    private List<KeyValuePair<string, string?>> Filters() =>
    [
        new("organizationId", OrganizationId?.ToString()), new("actorId", ActorId?.ToString()), new("kind", Kind),
        new("from", From?.ToString("yyyy-MM-dd")), new("to", To?.ToString("yyyy-MM-dd")),
    ];
}
