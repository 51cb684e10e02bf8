using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Classes;
using Rosette.Features.Shared;
using Rosette.Features.Users;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Classes;

/// <summary>A class's administration: details, instructors (organization or contract), enrolled students.</summary>
public sealed class ClassPageModel(ClassesHandler classes, EnrollmentsHandler enrollments, UsersHandler users) : PageModel
{
    public const int CandidatesShown = 25;

    [BindProperty]
    public ClassDetailsInput Input { get; set; } = new();

    [BindProperty]
    public AssignInstructorInput Assign { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? StudentSearch { get; set; }

    public ClassDto Class { get; private set; } = null!;

    public RosterResult Roster { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<UserDto> Instructors { get; private set; } = [];

    public IReadOnlyList<UserDto> Candidates { get; private set; } = [];

    public int CandidateTotal { get; private set; }

    /// <summary>The candidates already enrolled, on any page of the roster.</summary>
    public HashSet<Guid> EnrolledCandidates { get; private set; } = [];

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
        FillDetails();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var startsAt = ClassDetailsInput.ReadDate(Input.StartsAt, ModelState, "Input.StartsAt");
        var endsAt = ClassDetailsInput.ReadDate(Input.EndsAt, ModelState, "Input.EndsAt");
        if (ModelState.IsValid)
        {
            // The form always sends both dates: an empty one is no date, so it removes the stored one (a class may have none).
            var request = new UpdateClassRequest(Input.Name ?? "", startsAt, endsAt, RemoveStartsAt: startsAt is null, RemoveEndsAt: endsAt is null);
            var updated = await classes.UpdateAsync(HttpContext.GetActor(), id, request, cancellationToken);
            if (updated.IsSuccess)
            {
                Message = "Saved.";
                return Redirect($"/admin/classes/{id}");
            }
            if (updated.Error is NotFoundError or ForbiddenError)
            {
                return this.ErrorPage(updated.Error);
            }
            ModelState.AddError(updated.Error);
        }
        return await LoadAsync(id, null, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostAssignInstructorAsync(Guid id, CancellationToken cancellationToken)
    {
        Guid? userId = Assign.UserId;
        if (!string.IsNullOrWhiteSpace(Assign.OtherUserId))
        {
            if (!Guid.TryParse(Assign.OtherUserId.Trim(), out var other))
            {
                ModelState.AddModelError("Assign.OtherUserId", "That is not a user id: it looks like 0f8fad5b-d9cb-469f-a165-70867728950e.");
                return await ShowAssignErrorAsync(id, cancellationToken);
            }
            userId = other;
        }
        if (userId is null)
        {
            ModelState.AddModelError("Assign.UserId", "Choose an instructor, or give the user id of one from another organization.");
            return await ShowAssignErrorAsync(id, cancellationToken);
        }
        var error = await classes.AssignInstructorAsync(HttpContext.GetActor(), id, userId.Value, new AssignInstructorRequest(Assign.Kind), cancellationToken);
        if (error is null)
        {
            Message = $"Assigned the {(Assign.Kind == InstructorKind.Contract ? "contract" : "organization")} instructor.";
            return Redirect($"/admin/classes/{id}#instructors");
        }
        if (error is NotFoundError { Code: ClassErrors.NotFoundCode } or ForbiddenError)
        {
            return this.ErrorPage(error);
        }
        ModelState.AddModelError(string.IsNullOrWhiteSpace(Assign.OtherUserId) ? "Assign.UserId" : "Assign.OtherUserId", error.Message);
        return await ShowAssignErrorAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostRemoveInstructorAsync(Guid id, Guid userId, CancellationToken cancellationToken)
    {
        var error = await classes.RemoveInstructorAsync(HttpContext.GetActor(), id, userId, cancellationToken);
        if (error is NotFoundError { Code: ClassErrors.NotFoundCode } or ForbiddenError)
        {
            return this.ErrorPage(error);
        }
        Message = error is null ? "Removed the instructor." : null;
        Problems = error?.Message;
        return Redirect($"/admin/classes/{id}#instructors");
    }

    public async Task<IActionResult> OnPostEnrollAsync(Guid id, [FromForm] List<Guid> studentIds, CancellationToken cancellationToken)
    {
        if (studentIds.Count == 0)
        {
            Problems = "Tick the students to enroll.";
            return Redirect($"/admin/classes/{id}?studentSearch={Uri.EscapeDataString(StudentSearch ?? "")}#enroll");
        }
        var result = await enrollments.EnrollAsync(HttpContext.GetActor(), id, new EnrollStudentsRequest(studentIds), cancellationToken);
        if (!result.IsSuccess)
        {
            return this.ErrorPage(result.Error);
        }
        Message = $"Enrolled {result.Value.Enrolled.Count} {(result.Value.Enrolled.Count == 1 ? "student" : "students")}.";
        Problems = result.Value.Failed.Count == 0 ? null : string.Join(" ", result.Value.Failed.Select(f => f.Message).Distinct());
        return Redirect($"/admin/classes/{id}#students");
    }

    public async Task<IActionResult> OnPostUnenrollAsync(Guid id, Guid studentId, CancellationToken cancellationToken)
    {
        var error = await enrollments.UnenrollAsync(HttpContext.GetActor(), id, studentId, cancellationToken);
        if (error is NotFoundError { Code: ClassErrors.NotFoundCode } or ForbiddenError)
        {
            return this.ErrorPage(error);
        }
        Message = error is null ? "Unenrolled the student." : null;
        Problems = error?.Message;
        return Redirect($"/admin/classes/{id}#students");
    }

    /// <summary>The details form as stored: for GET, and when another form of the page is shown again with its errors.</summary>
    private void FillDetails() => Input = ClassDetailsInput.From(Class);

    private async Task<IActionResult> ShowAssignErrorAsync(Guid id, CancellationToken cancellationToken)
    {
        var failed = await LoadAsync(id, null, cancellationToken);
        if (failed is not null)
        {
            return failed;
        }
        FillDetails();
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid id, int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var found = await classes.GetAsync(actor, id, cancellationToken);
        if (!found.IsSuccess)
        {
            return this.ErrorPage(found.Error);
        }
        var roster = await enrollments.RosterAsync(actor, id, new PageRequest(page, null, null), cancellationToken);
        if (!roster.IsSuccess)
        {
            return this.ErrorPage(roster.Error);
        }
        Class = found.Value;
        Roster = roster.Value;
        Pager = new Pager($"/admin/classes/{id}", Roster.Page, Roster.PageSize, Roster.Total, null, PageRequest.DefaultPageSize);
        var instructors = await users.ListAsync(actor, new UserListRequest(1, PageRequest.MaxPageSize, null, null, "instructor"), cancellationToken);
        Instructors = instructors.IsSuccess ? instructors.Value.Items.Where(u => u.IsActive).ToList() : [];
        if (!string.IsNullOrWhiteSpace(StudentSearch))
        {
            var candidates = await users.ListAsync(actor, new UserListRequest(1, CandidatesShown, StudentSearch, null, "student"), cancellationToken);
            if (candidates.IsSuccess)
            {
                Candidates = candidates.Value.Items;
                CandidateTotal = candidates.Value.Total;
                EnrolledCandidates = await enrollments.EnrolledAmongAsync(id, Candidates.Select(u => u.Id).ToList(), cancellationToken);
            }
        }
        return null;
    }
}
