using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Organizations;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Courses;

public sealed class CoursesPageModel(CoursesHandler courses, OrganizationsHandler organizations) : PageModel
{
    public sealed class CreateInput
    {
        public string? Name { get; set; }

        public Guid? OrganizationId { get; set; }

        public bool EnableAchievementsForOutsideOrganizations { get; set; }
    }

    [BindProperty]
    public CreateInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? Search { get; set; }

    public Paged<CourseDto> Courses { get; private set; } = null!;

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public IReadOnlyDictionary<Guid, string> OrganizationNames { get; private set; } = new Dictionary<Guid, string>();

    [TempData]
    public string? Message { get; set; }

    public Task<IActionResult> OnGetAsync([FromQuery] int? page, CancellationToken cancellationToken) => ShowAsync(page, cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var created = await courses.CreateAsync(HttpContext.GetActor(),
            new CreateCourseRequest(Input.Name, Input.OrganizationId, Input.EnableAchievementsForOutsideOrganizations), cancellationToken);
        if (created.IsSuccess)
        {
            Message = $"Created the course {created.Value.Name}.";
            return Redirect($"/admin/courses/{created.Value.Id}");
        }
        if (created.Error is ForbiddenError)
        {
            return this.ErrorPage(created.Error);
        }
        ModelState.AddError(created.Error is NotFoundError e ? InvalidError.Field("organizationId", e.Code, e.Message) : created.Error);
        return await ShowAsync(null, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(int? page, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var list = await courses.ListAsync(actor, new PageRequest(page, null, Search), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        var tree = await organizations.LoadAsync(actor, cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Courses = list.Value;
        Organizations = tree.Value;
        OrganizationNames = await organizations.NamesAsync(actor, Courses.Items.Select(c => c.OrganizationId), cancellationToken);
        Pager = new Pager("/admin/courses", Courses.Page, Courses.PageSize, Courses.Total, Search, PageRequest.DefaultPageSize);
        return Page();
    }
}
