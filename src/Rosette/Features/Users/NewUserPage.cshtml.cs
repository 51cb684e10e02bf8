using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Users;

public sealed class NewUserPageModel(UsersHandler users, OrganizationsHandler organizations) : PageModel
{
    public sealed class CreateInput
    {
        public string? Email { get; set; }

        public string? FirstName { get; set; }

        public string? LastName { get; set; }

        public Guid? OrganizationId { get; set; }

        public UserRole? Role { get; set; } = UserRole.Student;

        public string? Password { get; set; }

        public bool ParticipateInAchievements { get; set; } = true;
    }

    [BindProperty]
    public CreateInput Input { get; set; } = new();

    public IReadOnlyList<OrganizationNode> Organizations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync([FromQuery] Guid? organizationId, CancellationToken cancellationToken)
    {
        Input.OrganizationId = organizationId;
        return await ShowAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var password = string.IsNullOrEmpty(Input.Password) ? null : Input.Password;
        var created = await users.CreateAsync(HttpContext.GetActor(), new CreateUserRequest(
            Input.Email, Input.FirstName, Input.LastName, Input.OrganizationId, Input.Role, password, Input.ParticipateInAchievements), cancellationToken);
        if (created.IsSuccess)
        {
            TempData["Message"] = $"Created {PersonName.Full(created.Value.FirstName, created.Value.LastName)}.";
            return Redirect($"/admin/users/{created.Value.Id}");
        }
        if (created.Error is ForbiddenError && created.Error != UserErrors.RoleNotGrantable)
        {
            return this.ErrorPage(created.Error);
        }
        ModelState.AddError(created.Error switch
        {
            ForbiddenError e => InvalidError.Field("role", e.Code, e.Message),
            NotFoundError e => InvalidError.Field("organizationId", e.Code, e.Message),
            ConflictError e => InvalidError.Field("email", e.Code, e.Message),
            var e => e!,
        });
        return await ShowAsync(cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        var tree = await organizations.LoadAsync(HttpContext.GetActor(), cancellationToken);
        if (!tree.IsSuccess)
        {
            return this.ErrorPage(tree.Error);
        }
        Organizations = tree.Value;
        return Page();
    }
}
