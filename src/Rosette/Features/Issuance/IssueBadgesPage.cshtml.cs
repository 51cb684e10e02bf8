using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>
/// The seed's Issue Badges page: choose badges and students, review, issue, read the result. The selection travels in
/// the form (hidden fields), so every step is a plain POST that works without script; with script the choosers open
/// as modal dialogs and the student search refreshes in place.
/// </summary>
public sealed class IssueBadgesPageModel(
    RosetteDb db, ListIssuableHandler issuable, IssueBadgesHandler issue, TimeProvider clock) : PageModel
{
    public const int StudentPageSize = 50;
    public const int ReviewLimit = 200;

    public ClassContext Class { get; private set; } = null!;

    /// <summary>The Choose Badges dialog: the chosen badges, then a page of the search (the first, rendered with the page, so the dialog works at once).</summary>
    public BadgeChooser Chooser { get; private set; } = null!;

    [BindProperty]
    public List<Guid> BadgeIds { get; set; } = [];

    [BindProperty]
    public List<Guid> StudentIds { get; set; } = [];

    [BindProperty]
    public List<Guid> AddBadgeIds { get; set; } = [];

    [BindProperty]
    public List<Guid> AddStudentIds { get; set; } = [];

    [BindProperty]
    public bool SelectAll { get; set; }

    [BindProperty]
    public string? BadgeSearch { get; set; }

    [BindProperty]
    public string? StudentSearch { get; set; }

    [BindProperty]
    public int StudentPage { get; set; } = 1;

    [BindProperty]
    public string? Narrative { get; set; }

    [BindProperty]
    public bool SuppressNotifications { get; set; }

    /// <summary>The chosen badges (of <see cref="BadgeIds"/>, those the actor may issue here), in name order.</summary>
    public IReadOnlyList<IssuableBadge> ChosenBadges { get; private set; } = [];

    public IReadOnlyList<ChosenStudent> ChosenStudents { get; private set; } = [];

    /// <summary>The chooser's current page of students (filled when the students dialog is open).</summary>
    public Paged<IssuableStudent>? StudentChoices { get; private set; }

    /// <summary>Why the student search or page is refused (the chooser says it in place of the list).</summary>
    public string? StudentMessage { get; private set; }

    public string? OpenDialog { get; private set; }

    public BatchResultView? Result { get; private set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid classId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(classId, cancellationToken) is { } error)
        {
            return error;
        }
        await LoadBadgeChooserAsync([], null, cancellationToken);
        return Page();
    }

    /// <summary>
    /// A page of the badge chooser alone, for the dialog's script (its search and "More badges"; the roster's Choose Badge
    /// dialog asks for <paramref name="oneBadge"/>). Bad input answers 400 with the message in the list's status line.
    /// </summary>
    public async Task<IActionResult> OnGetBadgesAsync(Guid classId, string? search, string? after, bool oneBadge, CancellationToken cancellationToken)
    {
        if (await LoadAsync(classId, cancellationToken) is { } error)
        {
            return error;
        }
        BadgeSearch = search;
        if (!await LoadBadgeChooserAsync([], after, cancellationToken, oneBadge))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        return Partial("_BadgeChoices", Chooser);
    }

    /// <summary>The student chooser's list alone, for the dialog's in-place search (script) and its pages; bad input answers 400 with the message in place of the list.</summary>
    public async Task<IActionResult> OnGetStudentsAsync(Guid classId, string? search, [FromQuery] int? page, [FromQuery] List<Guid> badgeIds, CancellationToken cancellationToken)
    {
        if (await LoadAsync(classId, cancellationToken) is { } error)
        {
            return error;
        }
        BadgeIds = badgeIds;
        ChosenBadges = await issuable.ChosenBadgesAsync(Class, BadgeIds, cancellationToken);
        StudentSearch = search;
        StudentPage = page ?? 1;
        if (!await LoadStudentChoicesAsync(cancellationToken))
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        return Partial("_StudentChoices", this);
    }

    public async Task<IActionResult> OnPostAsync(Guid classId, string? command, CancellationToken cancellationToken)
    {
        if (await LoadAsync(classId, cancellationToken) is { } error)
        {
            return error;
        }
        // Buttons that act on one item carry it in their value: "remove-badge:{id}", "students-page:{n}".
        var (verb, argument) = command?.Split(':', 2) is [var v, var a] ? (v, a) : (command, null);
        Guid? remove = Guid.TryParse(argument, out var id) ? id : null;
        if (verb == "students-page" && int.TryParse(argument, out var studentPage))
        {
            StudentPage = studentPage;
            verb = "search-students";
        }
        // The badges ticked in the dialog while it stays open (searching, paging): the dialog lists them first, ticked.
        IReadOnlyList<IssuableBadge>? ticked = null;
        string? badgesAfter = null;
        switch (verb)
        {
            case "open-badges":
                OpenDialog = "choose-badges";
                BadgeSearch = null;
                break;
            case "search-badges":
            case "badges-more":
                OpenDialog = "choose-badges";
                ticked = await issuable.ChosenBadgesAsync(Class, AddBadgeIds, cancellationToken);
                badgesAfter = verb == "badges-more" ? argument ?? "" : null;
                break;
            case "add-badges":
                // The dialog shows the whole badge selection, ticked: what is ticked is the selection. Only badges the
                // actor may issue here are kept; any other id is dropped (and the issuance refuses it again).
                BadgeIds = (await issuable.ChosenBadgesAsync(Class, AddBadgeIds, cancellationToken)).Select(b => b.Id).ToList();
                break;
            case "remove-badge":
                BadgeIds.Remove(remove ?? Guid.Empty);
                break;
            case "open-students":
            case "search-students":
                OpenDialog = "choose-students";
                if (command == "open-students")
                {
                    StudentPage = 1;
                }
                break;
            case "add-students":
                // Only students of the roster the actor chooses from: an id from anywhere else is dropped, never looked up.
                StudentIds = StudentIds.Union(await db.OnRosterAsync(Class, AddStudentIds, cancellationToken)).ToList();
                if (SelectAll)
                {
                    StudentIds = StudentIds.Union(await db.AllMatchingAsync(Class, StudentSearch, cancellationToken)).ToList();
                }
                break;
            case "remove-student":
                StudentIds.Remove(remove ?? Guid.Empty);
                break;
            case "clear-students":
                StudentIds.Clear();
                break;
            case "cancel":
                break;
            case "issue":
                return await IssueAsync(cancellationToken);
            default:
                return BadRequest();
        }
        BadgeIds = BadgeIds.Distinct().ToList();
        StudentIds = StudentIds.Distinct().ToList();
        ChosenBadges = await issuable.ChosenBadgesAsync(Class, BadgeIds, cancellationToken);
        if (OpenDialog == "choose-students")
        {
            await LoadStudentChoicesAsync(cancellationToken);
        }
        await LoadBadgeChooserAsync(ticked ?? ChosenBadges, badgesAfter, cancellationToken);
        await LoadChosenStudentsAsync(cancellationToken);
        ModelState.Clear();
        return Page();
    }

    /// <summary>The batch's CSV lives at one address (which checks who may read it); this one only forwards there, temporarily.</summary>
    public async Task<IActionResult> OnGetResultCsvAsync(Guid classId, string? batchId, CancellationToken cancellationToken) =>
        await LoadAsync(classId, cancellationToken)
        ?? (Guid.TryParse(batchId, out var id)
            ? Redirect($"/badge-issuances/{id}/result.csv")
            : this.ErrorPage(InvalidError.Field("batchId", InvalidError.ValidationFailed, "'batchId' must be a batch id.")));

    private async Task<IActionResult> IssueAsync(CancellationToken cancellationToken)
    {
        var outcome = await issue.HandleAsync(HttpContext.GetActor(), Class.Class.Id,
            new IssueBadgesRequest(BadgeIds, StudentIds, Narrative, SuppressNotifications), null, cancellationToken);
        if (!outcome.IsSuccess)
        {
            // Nothing was issued: keep the selection and say why, inline.
            Message = outcome.Error.Message;
            ChosenBadges = await issuable.ChosenBadgesAsync(Class, BadgeIds, cancellationToken);
            await LoadBadgeChooserAsync(ChosenBadges, null, cancellationToken);
            await LoadChosenStudentsAsync(cancellationToken);
            ModelState.Clear();
            return Page();
        }
        Result = await BatchResultView.LoadAsync(db, HttpContext.GetActor(), outcome.Value, Class.Class.Id, BatchResultView.PageLimit, cancellationToken);
        BadgeIds = [];
        StudentIds = [];
        Narrative = null;
        await LoadBadgeChooserAsync([], null, cancellationToken);
        ModelState.Clear();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid classId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var loaded = await db.LoadClassToTeachAsync(actor, classId, Domain.Issuance.IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return this.ErrorPage(loaded.Error);
        }
        var context = loaded.Value;
        Class = context;
        return null;
    }

    /// <summary>The badge chooser: <paramref name="chosen"/> first, then the page of <see cref="BadgeSearch"/> after the cursor; false when the search or the cursor is bad (the chooser says why).</summary>
    private async Task<bool> LoadBadgeChooserAsync(IReadOnlyList<IssuableBadge> chosen, string? after, CancellationToken cancellationToken, bool oneBadge = false)
    {
        var results = await issuable.BadgesAsync(Class, new BadgeChoicesRequest(BadgeSearch, after), chosen.Select(b => b.Id).ToList(), cancellationToken);
        Chooser = new BadgeChooser(oneBadge, chosen, results.IsSuccess ? results.Value : null, new HashSet<Guid>(), BadgeSearch,
            results.IsSuccess ? null : results.Error.Message, BadgeChooser.ItemsUrlOf(Class.Class.Id, oneBadge));
        return results.IsSuccess;
    }

    /// <summary>The student chooser's page of <see cref="StudentSearch"/>; false when the search or the page is bad (<see cref="StudentMessage"/> says why), as the badge chooser does.</summary>
    private async Task<bool> LoadStudentChoicesAsync(CancellationToken cancellationToken)
    {
        var paging = new PageRequest(Math.Max(1, StudentPage), StudentPageSize, StudentSearch);
        if (paging.Validate() is { } invalid)
        {
            StudentMessage = invalid.Message;
            return false;
        }
        StudentChoices = await issuable.StudentsAsync(Class, paging, cancellationToken);
        return true;
    }

    /// <summary>The review of the selection (its first <see cref="ReviewLimit"/> students).</summary>
    private async Task LoadChosenStudentsAsync(CancellationToken cancellationToken) =>
        ChosenStudents = await db.ChosenStudentsAsync(Class, StudentIds.Take(ReviewLimit).ToList(), cancellationToken);

    public DateTime Now => clock.UtcNowSeconds();
}
