using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Issuance;

/// <summary>An administrator issues one badge from a student's course assignment (<see cref="IssueFromCourseAssignmentHandler"/>).</summary>
public sealed class IssueFromCourseAssignmentPageModel(RosetteDb db, ListIssuableHandler issuable, IssueFromCourseAssignmentHandler issue) : PageModel
{
    public string CourseName { get; private set; } = "";

    public string StudentName { get; private set; } = "";

    /// <summary>A page of the course organization's badges, searched (<c>?search=</c>) and paged (<c>?after=</c>) by links.</summary>
    public BadgeChooser Chooser { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    [BindProperty]
    public Guid? BadgeId { get; set; }

    [BindProperty]
    public string? Narrative { get; set; }

    public BatchResultView? Result { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid assignmentId, CancellationToken cancellationToken) =>
        await LoadAsync(assignmentId, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid assignmentId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(assignmentId, cancellationToken) is { } error)
        {
            return error;
        }
        if (BadgeId is null)
        {
            ModelState.AddModelError(nameof(BadgeId), "Choose a badge to issue.");
            return Page();
        }
        var outcome = await issue.HandleAsync(HttpContext.GetActor(), assignmentId, new IssueFromCourseAssignmentRequest(BadgeId, Narrative, null), cancellationToken);
        if (!outcome.IsSuccess)
        {
            if (outcome.Error is InvalidError invalid)
            {
                ModelState.AddModelError(nameof(Narrative), invalid.Message);
                return Page();
            }
            return this.ErrorPage(outcome.Error);
        }
        Result = await BatchResultView.LoadAsync(db, HttpContext.GetActor(), outcome.Value, null, BatchResultView.PageLimit, cancellationToken);
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid assignmentId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var row = await (from a in db.CourseAssignments.AsNoTracking().AdministeredBy(db, actor)
                         where a.Id == assignmentId
                         join c in db.Courses on a.CourseId equals c.Id
                         join u in db.Users on a.StudentId equals u.Id
                         select new { c.Name, c.OrganizationId, Student = PersonName.Full(u.FirstName, u.LastName) }).SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return this.ErrorPage(CommonErrors.NotFound("course_assignment", assignmentId));
        }
        CourseName = row.Name;
        StudentName = row.Student;
        var results = await issuable.BadgesAsync(row.OrganizationId, new BadgeChoicesRequest(Search, After), [], cancellationToken);
        Chooser = new BadgeChooser(true, [], results.IsSuccess ? results.Value : null, new HashSet<Guid>(), Search?.Trim(),
            results.IsSuccess ? null : results.Error.Message, "", $"/course-assignments/{assignmentId}/issue-badge");
        return null;
    }
}
