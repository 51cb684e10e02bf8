using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Courses;
using Rosette.Features.Shared;
using Rosette.Features.Users;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Courses;

/// <summary>A course: its details, the students it is assigned to (with completion), and assigning it to more students.</summary>
public sealed class CoursePageModel(CoursesHandler courses, UsersHandler users, TimeProvider clock) : PageModel
{
    public sealed class EditInput
    {
        public string? Name { get; set; }

        public bool EnableAchievementsForOutsideOrganizations { get; set; }
    }

    [BindProperty]
    public EditInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? StudentSearch { get; set; }

    public CourseDto Course { get; private set; } = null!;

    public Paged<CourseAssignmentDto> Assignments { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<UserDto> Candidates { get; private set; } = [];

    /// <summary>The candidates the course is already assigned to, on any page of its assignments.</summary>
    public HashSet<Guid> AssignedCandidates { get; private set; } = [];

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Problems { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, [FromQuery] int? page, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, page, cancellationToken) is { } failed)
        {
            return failed;
        }
        Input = new EditInput { Name = Course.Name, EnableAchievementsForOutsideOrganizations = Course.EnableAchievementsForOutsideOrganizations };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var updated = await courses.UpdateAsync(HttpContext.GetActor(), id,
            new UpdateCourseRequest(Input.Name ?? "", Input.EnableAchievementsForOutsideOrganizations), cancellationToken);
        if (updated.IsSuccess)
        {
            Message = "Saved.";
            return Redirect($"/admin/courses/{id}");
        }
        if (updated.Error is NotFoundError or ForbiddenError)
        {
            return this.ErrorPage(updated.Error);
        }
        ModelState.AddError(updated.Error);
        return await LoadAsync(id, null, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostAssignAsync(Guid id, Guid studentId, CancellationToken cancellationToken)
    {
        var assigned = await courses.AssignAsync(HttpContext.GetActor(), new CreateCourseAssignmentRequest(id, studentId), cancellationToken);
        if (!assigned.IsSuccess && assigned.Error is ForbiddenError or NotFoundError { Code: CourseErrors.NotFoundCode })
        {
            return this.ErrorPage(assigned.Error);
        }
        Message = assigned.IsSuccess ? "Assigned the course." : null;
        Problems = assigned.IsSuccess ? null : assigned.Error.Message;
        return Redirect($"/admin/courses/{id}#assignments");
    }

    public async Task<IActionResult> OnPostCompleteAsync(Guid id, Guid assignmentId, CancellationToken cancellationToken)
    {
        var completed = await courses.UpdateAssignmentAsync(HttpContext.GetActor(), assignmentId, new UpdateCourseAssignmentRequest(clock.GetUtcNow().UtcDateTime),
            cancellationToken, courseId: id);
        if (!completed.IsSuccess && completed.Error is ForbiddenError or NotFoundError)
        {
            return this.ErrorPage(completed.Error);
        }
        Message = completed.IsSuccess ? "Marked completed." : null;
        Problems = completed.IsSuccess ? null : completed.Error.Message;
        return Redirect($"/admin/courses/{id}#assignments");
    }

    private async Task<IActionResult?> LoadAsync(Guid id, int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var course = await courses.GetAsync(actor, id, cancellationToken);
        if (!course.IsSuccess)
        {
            return this.ErrorPage(course.Error);
        }
        var assignments = await courses.ListAssignmentsAsync(actor, new CourseAssignmentListRequest(page, null, id, null), cancellationToken);
        if (!assignments.IsSuccess)
        {
            return this.ErrorPage(assignments.Error);
        }
        Course = course.Value;
        Assignments = assignments.Value;
        Pager = new Pager($"/admin/courses/{id}", Assignments.Page, Assignments.PageSize, Assignments.Total, null, PageRequest.DefaultPageSize);
        if (!string.IsNullOrWhiteSpace(StudentSearch))
        {
            var found = await users.ListAsync(actor, new UserListRequest(1, 25, StudentSearch, null, "student"), cancellationToken);
            Candidates = found.IsSuccess ? found.Value.Items : [];
            AssignedCandidates = await courses.AssignedAmongAsync(actor, id, Candidates.Select(u => u.Id).ToList(), cancellationToken);
        }
        return null;
    }
}
