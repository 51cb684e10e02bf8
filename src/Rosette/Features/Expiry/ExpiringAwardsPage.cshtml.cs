using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Expiry;

/// <summary>
/// Awards expiring in a chosen period (by default from 30 days ago to 30 days ahead, so the recently expired show too),
/// filtered by badge, state and student; downloadable as CSV; the renewable ones renewed in bulk, the result shown as the
/// batch page shows any issuance.
/// </summary>
public sealed class ExpiringAwardsPageModel(ExpiringAwardsHandler expiring, RosetteDb db, TimeProvider clock) : PageModel
{
    public const string Path = "/admin/expiring-awards";
    public const int DefaultDays = 30;

    public static readonly (string Value, string Label, ExpiryState? State)[] States =
    [
        ("", "All", null), ("expired", "Expired", ExpiryState.Expired), ("expiring_soon", "Expiring soon", ExpiryState.ExpiringSoon),
        ("valid", "Valid", ExpiryState.Valid),
    ];

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? BadgeId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    public Paged<ExpiringAward> Awards { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<(Guid Id, string Name)> Badges { get; private set; } = [];

    /// <summary>The filters but the search (the pager carries it), for the pager.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Filters { get; private set; } = [];

    /// <summary>All the filters as a query string, for the CSV link and the renewal form.</summary>
    public string Query => QueryString.Create(Filters.Append(new("search", Search)).Where(f => !string.IsNullOrEmpty(f.Value))).ToString();

    public async Task<IActionResult> OnGetAsync([FromQuery] int? page, CancellationToken cancellationToken) =>
        await LoadAsync(page, cancellationToken) ?? Page();

    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        if (ToRequest(null) is not { } request)
        {
            return BadRequest();
        }
        var rows = expiring.Export(HttpContext.GetActor(), request.ToFilter());
        if (!rows.IsSuccess)
        {
            return this.ErrorPage(rows.Error);
        }
        await CsvExport.WriteResponseAsync(Response, "expiring-awards.csv", ExpiringAwardsHandler.CsvHeader, rows.Value, ExpiringAwardsHandler.CsvFields, cancellationToken);
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostRenewAsync(List<Guid> awardIds, CancellationToken cancellationToken)
    {
        var renewed = await expiring.RenewAsync(HttpContext.GetActor(), new RenewAwardsRequest(awardIds, null), cancellationToken);
        if (renewed.IsSuccess)
        {
            return Redirect($"/badge-issuances/{renewed.Value.Id}");
        }
        if (renewed.Error is not InvalidError)
        {
            return this.ErrorPage(renewed.Error);
        }
        ModelState.AddModelError("", renewed.Error.Message);
        return await LoadAsync(null, cancellationToken) ?? Page();
    }

    private ExpiringAwardsRequest? ToRequest(int? page)
    {
        // A malformed date or badge id, or an unknown state, is refused as the other lists refuse theirs, not replaced by the default.
        var state = States.FirstOrDefault(s => s.Value == (State ?? ""));
        string[] bound = [nameof(From), nameof(To), nameof(BadgeId)];
        if (bound.Any(key => ModelState.GetFieldValidationState(key) == ModelValidationState.Invalid) || state.Value is null)
        {
            return null;
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        From ??= today.AddDays(-DefaultDays);
        To ??= today.AddDays(DefaultDays);
        // The dates are whole days, "to" included.
        return new ExpiringAwardsRequest(From.Value.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), To.Value.ToDateTime(TimeOnly.MaxValue, DateTimeKind.Utc),
            BadgeId, null, null, state.State, Search, page, null);
    }

    private async Task<IActionResult?> LoadAsync(int? page, CancellationToken cancellationToken)
    {
        if (ToRequest(page) is not { } request)
        {
            return BadRequest();
        }
        var actor = HttpContext.GetActor();
        var list = await expiring.ListAsync(actor, request, cancellationToken);
        if (list.Error is InvalidError invalid)
        {
            ModelState.AddModelError("", invalid.Message);
            list = new Paged<ExpiringAward>([], 1, PageRequest.DefaultPageSize, 0);
        }
        else if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Awards = list.Value;
        Badges = (await db.Badges.AsNoTracking().AdministeredBy(db, actor).Where(b => b.ValidityDays != null).OrderBy(b => b.Name)
            .Select(b => new { b.Id, b.Name }).ToListAsync(cancellationToken)).Select(b => (b.Id, b.Name)).ToList();
        Filters =
        [
            new("from", From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            new("to", To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            new("badgeId", BadgeId?.ToString()), new("state", State),
        ];
        Pager = new Pager(Path, Awards.Page, Awards.PageSize, Awards.Total, Search, PageRequest.DefaultPageSize, Filters);
        return null;
    }
}
