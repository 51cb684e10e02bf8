using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Shared;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Home;

/// <summary>
/// Instructors see the classes they teach, administrators the classes in their scope, students their badges and
/// classes: the class list is the API's (<see cref="ClassesHandler.ListAsync"/>).
/// </summary>
public sealed class HomePageModel(ClassesHandler classes, HomeHandler home) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyList<ClassDto> Classes { get; private set; } = [];

    public Pager Pager { get; private set; } = null!;

    public IReadOnlyList<HeldBadge> Badges { get; private set; } = [];

    public string? Search { get; private set; }

    public async Task<IActionResult> OnGetAsync(
        [FromQuery] int? page, [FromQuery] int? pageSize, [FromQuery] string? search, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }
        Actor = HttpContext.GetActor();
        Search = search;
        var list = await classes.ListAsync(Actor, new PageRequest(page, pageSize, search), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Classes = list.Value.Items;
        Pager = new Pager("/", list.Value.Page, list.Value.PageSize, list.Value.Total, search, PageRequest.DefaultPageSize);
        if (Actor.IsStudent)
        {
            Badges = await home.MyBadgesAsync(Actor, cancellationToken);
        }
        return Page();
    }
}
