using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Courses;
using Rosette.Features.Courses;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Classes;

public sealed class NewClassPageModel(ClassesHandler classes, OrganizationsHandler organizations, CoursesHandler courses) : PageModel
{
    public sealed class CreateInput
    {
        public string? Name { get; set; }

        public Guid? OrganizationId { get; set; }

        public Guid? CourseId { get; set; }

        /// <summary>Text (<see cref="ClassDetailsInput.ReadDate"/>), so that what is not a date is said beside the field.</summary>
        public string? StartsAt { get; set; }

        public string? EndsAt { get; set; }
    }

    [BindProperty]
    public CreateInput Input { get; set; } = new();

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public IReadOnlyList<CourseDto> Courses { get; private set; } = [];

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var startsAt = ClassDetailsInput.ReadDate(Input.StartsAt, ModelState, "Input.StartsAt");
        var endsAt = ClassDetailsInput.ReadDate(Input.EndsAt, ModelState, "Input.EndsAt");
        if (!ModelState.IsValid)
        {
            return await ShowAsync(cancellationToken);
        }
        var created = await classes.CreateAsync(HttpContext.GetActor(), new CreateClassRequest(
            Input.Name, Input.OrganizationId, Input.CourseId, startsAt, endsAt), cancellationToken);
        if (created.IsSuccess)
        {
            TempData["Message"] = $"Created the class {created.Value.Name}.";
            return Redirect($"/admin/classes/{created.Value.Id}");
        }
        if (created.Error is ForbiddenError)
        {
            return this.ErrorPage(created.Error);
        }
        ModelState.AddError(created.Error switch
        {
            NotFoundError { Code: CourseErrors.NotFoundCode } e => InvalidError.Field("courseId", e.Code, e.Message),
            NotFoundError e => InvalidError.Field("organizationId", e.Code, e.Message),
            var e => e!,
        });
        return await ShowAsync(cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var tree = await organizations.LoadAsync(actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Organizations = tree.Value;
        var list = await courses.ListAsync(actor, new PageRequest(1, PageRequest.MaxPageSize, null), cancellationToken);
        Courses = list.IsSuccess ? list.Value.Items : [];
        return Page();
    }
}
