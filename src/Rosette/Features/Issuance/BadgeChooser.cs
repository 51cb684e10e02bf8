using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

/// <summary>
/// What a Choose Badge(s) list shows (<c>_BadgeChoices.cshtml</c>): the badges already chosen, ticked, then a page of the
/// search's results, and the way to the next page. <see cref="OneBadge"/> lists radio buttons for one badge (with the
/// student's held badges marked) instead of check boxes. <see cref="PageUrl"/> is set where the list is a page of its
/// own (searched and paged by links), null where it sits in a form's dialog (by the form's buttons, or in place by script).
/// </summary>
public sealed record BadgeChooser(
    bool OneBadge,
    IReadOnlyList<IssuableBadge> Chosen,
    Paged<IssuableBadge>? Results,
    IReadOnlySet<Guid> Held,
    string? Search,
    string? Message,
    string ItemsUrl,
    string? PageUrl = null)
{
    public string InputName => OneBadge ? "BadgeId" : "AddBadgeIds";

    /// <summary>The list served alone to the dialog's script: <c>?handler=Badges</c> of the Issue Badges page.</summary>
    public static string ItemsUrlOf(Guid classId, bool oneBadge) => $"/classes/{classId}/issue-badges?handler=Badges{(oneBadge ? "&oneBadge=true" : "")}";
}
