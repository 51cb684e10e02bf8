using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Credentials;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Users;

/// <summary>Edit a user (names, role, active, Participate in Achievements) and reset their password.</summary>
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
[EnableRateLimiting(Accounts.SignInLimits.Policy)]
public sealed class UserPageModel(UsersHandler users, ResetPasswordHandler resets, OrganizationsHandler organizations, CredentialUrls urls) : PageModel
{
    public sealed class EditInput
    {
        public string? FirstName { get; set; }

        public string? LastName { get; set; }

        public UserRole Role { get; set; }

        public bool IsActive { get; set; }

        public bool ParticipateInAchievements { get; set; }
    }

    [BindProperty]
    public EditInput Input { get; set; } = new();

    [BindProperty]
    public string? ResetMode { get; set; } = "link";

    public UserDto UserToEdit { get; private set; } = null!;

    public string? OrganizationName { get; private set; }

    public PasswordResetDto? Reset { get; private set; }

    public string? ResetLink { get; private set; }

    /// <summary>False for a peer or a superior: the page shows them without the forms (the handler refuses the changes anyway).</summary>
    public bool CanManage { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await LoadAsync(id, cancellationToken) is { } failed)
        {
            return failed;
        }
        Input = new EditInput
        {
            FirstName = UserToEdit.FirstName, LastName = UserToEdit.LastName, Role = UserToEdit.Role, IsActive = UserToEdit.IsActive,
            ParticipateInAchievements = UserToEdit.ParticipateInAchievements,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken cancellationToken)
    {
        var updated = await users.UpdateAsync(HttpContext.GetActor(), id,
            new UpdateUserRequest(Input.FirstName ?? "", Input.LastName ?? "", Input.Role, Input.IsActive, Input.ParticipateInAchievements), cancellationToken);
        if (updated.IsSuccess)
        {
            Message = "Saved.";
            return Redirect($"/admin/users/{id}");
        }
        if (updated.Error == UserErrors.RoleNotGrantable)
        {
            ModelState.AddModelError("Input.Role", updated.Error.Message);
            return await LoadAsync(id, cancellationToken) ?? Page();
        }
        if (updated.Error is NotFoundError or ForbiddenError)
        {
            return this.ErrorPage(updated.Error);
        }
        ModelState.AddError(updated.Error);
        return await LoadAsync(id, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostResetPasswordAsync(Guid id, CancellationToken cancellationToken)
    {
        var reset = await resets.HandleAsync(HttpContext.GetActor(), id, new ResetPasswordRequest(ResetMode), cancellationToken);
        if (!reset.IsSuccess && reset.Error is NotFoundError or ForbiddenError)
        {
            return this.ErrorPage(reset.Error);
        }
        if (await LoadAsync(id, cancellationToken) is { } failed)
        {
            return failed;
        }
        ModelState.Clear();
        Input = new EditInput
        {
            FirstName = UserToEdit.FirstName, LastName = UserToEdit.LastName, Role = UserToEdit.Role, IsActive = UserToEdit.IsActive,
            ParticipateInAchievements = UserToEdit.ParticipateInAchievements,
        };
        if (!reset.IsSuccess)
        {
            ModelState.AddModelError(nameof(ResetMode), reset.Error.Message);
            return Page();
        }
        // Shown on this answer only: never stored, never redirected through a URL.
        Reset = reset.Value;
        ResetLink = reset.Value.ResetPath is { } path ? urls.Absolute(path) : null;
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var user = await users.GetAsync(actor, id, cancellationToken);
        if (!user.IsSuccess)
        {
            return this.ErrorPage(user.Error);
        }
        UserToEdit = user.Value;
        CanManage = await users.MayManageAsync(actor, id, cancellationToken);
        var organization = await organizations.GetAsync(actor, user.Value.OrganizationId, cancellationToken);
        OrganizationName = organization.IsSuccess ? organization.Value.Name : null;
        return null;
    }
}
