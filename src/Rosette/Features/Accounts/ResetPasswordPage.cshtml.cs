using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Rosette.Domain;
using Rosette.Infrastructure.Http;
using Rosette.Features.Users;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Accounts;

/// <summary>Where a one-time reset link leads: choose a new password (the same handler as POST /api/v1/auth/password-reset).</summary>
[AllowAnonymous]
[EnableRateLimiting(SignInLimits.Policy)]
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class ResetPasswordPageModel(ResetPasswordHandler resets) : PageModel
{
    public sealed class ResetInput
    {
        public string? NewPassword { get; set; }

        public string? ConfirmPassword { get; set; }
    }

    [BindProperty(SupportsGet = true)]
    public Guid? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public ResetInput Input { get; set; } = new();

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Input.NewPassword != Input.ConfirmPassword)
        {
            ModelState.AddModelError("Input.ConfirmPassword", "The two passwords are not the same.");
            return Page();
        }
        var error = await resets.CompleteAsync(new CompletePasswordResetRequest(UserId, Token, Input.NewPassword), cancellationToken);
        if (error is not null)
        {
            ModelState.AddError(error);
            if (error is RateLimitedError)
            {
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                error.WithRetryAfter(Response);
            }
            return Page();
        }
        Done = true;
        return Page();
    }
}
