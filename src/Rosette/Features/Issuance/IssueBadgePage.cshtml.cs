using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>
/// Individual issuance: one student, one badge. The roster opens it as a dialog; this page is the same chooser without
/// script. Issuing goes through <see cref="IssueBadgesHandler"/>, like any batch; the outcome is shown on the roster.
/// </summary>
public sealed class IssueBadgePageModel(RosetteDb db, ListIssuableHandler issuable, IssueBadgesHandler issue, TimeProvider clock) : PageModel
{
    public ClassContext Class { get; private set; } = null!;

    public string StudentName { get; private set; } = "";

    /// <summary>A page of the badges to choose from, searched (<c>?search=</c>) and paged (<c>?after=</c>) by links.</summary>
    public BadgeChooser Chooser { get; private set; } = null!;

    /// <summary>Badges the student holds whose award may be renewed: choosing one renews it.</summary>
    public IReadOnlySet<Guid> Renewable { get; private set; } = new HashSet<Guid>();

    /// <summary>The chosen badge; required, so that an empty choice gets an inline message.</summary>
    [BindProperty]
    public Guid? BadgeId { get; set; }

    [TempData]
    public string? RosterMessage { get; set; }

    [TempData]
    public bool RosterMessageIsError { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid classId, Guid studentId, CancellationToken cancellationToken) =>
        await LoadAsync(classId, studentId, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid classId, Guid studentId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(classId, studentId, cancellationToken) is { } error)
        {
            return error;
        }
        if (BadgeId is not { } badgeId)
        {
            ModelState.AddModelError(nameof(BadgeId), "Choose a badge to issue.");
            return Page();
        }
        var outcome = await issue.HandleAsync(HttpContext.GetActor(), classId, new IssueBadgesRequest([badgeId], [studentId], null, null), null, cancellationToken);
        if (!outcome.IsSuccess)
        {
            return this.ErrorPage(outcome.Error);
        }
        var badgeName = (await issuable.ChosenBadgesAsync(Class, [badgeId], cancellationToken)).SingleOrDefault()?.Name ?? "The badge";
        var failure = outcome.Value.Failed.Count > 0 ? outcome.Value.Failed[0] : null;
        RosterMessageIsError = failure is not null;
        RosterMessage = failure is not null ? $"{badgeName} was not issued to {StudentName}: {failure.Message}"
            : outcome.Value.Renewed.Count > 0 ? $"{badgeName} was renewed for {StudentName}, valid until {outcome.Value.Renewed[0].ExpiresAt:yyyy-MM-dd}."
            : $"{badgeName} was issued to {StudentName}.";
        return Redirect($"/classes/{classId}/roster");
    }

    private async Task<IActionResult?> LoadAsync(Guid classId, Guid studentId, CancellationToken cancellationToken)
    {
        var loaded = await db.LoadClassToTeachAsync(HttpContext.GetActor(), classId, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return this.ErrorPage(loaded.Error);
        }
        var context = loaded.Value;
        var student = (await db.LoadStudentsInClassAsync(classId, [studentId], cancellationToken))[studentId];
        if (!IssuanceRules.IsSelectable(student, context.Access))
        {
            return this.ErrorPage(IssuanceErrors.UnknownStudent(studentId));
        }
        Class = context;
        StudentName = student.Student!.FullName;
        var results = await issuable.BadgesAsync(context, new BadgeChoicesRequest(Search, After), [], cancellationToken);
        var badgeIds = results.IsSuccess ? results.Value.Items.Select(b => b.Id).ToList() : [];
        // Held badges are not offered again, unless their award may be renewed (expired or within the badge's window).
        var now = clock.UtcNowSeconds();
        var held = await db.HeldAwardsAsync(badgeIds, [studentId], cancellationToken);
        var windows = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.RenewalWindowDays, cancellationToken);
        var notRenewable = held.Values.Where(a => !RenewalRules.IsRenewable(a.ExpiresAt, windows[a.BadgeId], now)).Select(a => a.BadgeId).ToHashSet();
        Renewable = held.Values.Select(a => a.BadgeId).Where(id => !notRenewable.Contains(id)).ToHashSet();
        Chooser = new BadgeChooser(true, [], results.IsSuccess ? results.Value : null, notRenewable, Search?.Trim(),
            results.IsSuccess ? null : results.Error.Message, BadgeChooser.ItemsUrlOf(classId, oneBadge: true), $"/classes/{classId}/students/{studentId}/issue-badge");
        return null;
    }
}
