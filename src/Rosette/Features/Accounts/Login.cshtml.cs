using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Rosette.Domain;
using Rosette.Infrastructure.Http;
using Rosette.Domain.Users;

namespace Rosette.Features.Accounts;

/// <summary>Log in with the same check as the API token (<see cref="SignInHandler"/>: lockout included), then a cookie.</summary>
[AllowAnonymous]
[EnableRateLimiting(SignInLimits.Policy)]
public sealed class LoginModel(SignInHandler signInHandler, SignInManager<User> signInManager) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    public string? Email { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Enter your password.")]
    public string? Password { get; set; }

    /// <summary>Where to go after logging in; only a local URL is ever followed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated == true ? LocalRedirect(SafeReturnUrl) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await signInHandler.CheckAsync(Email, Password);
        if (!user.IsSuccess)
        {
            ModelState.AddModelError(string.Empty, user.Error!.Message);
            if (user.Error is RateLimitedError)
            {
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                user.Error.WithRetryAfter(Response);
            }
            return Page();
        }
        await signInManager.SignInAsync(user.Value, isPersistent: false);
        return LocalRedirect(SafeReturnUrl);
    }

    private string SafeReturnUrl => ReturnUrl is { Length: > 0 } url && Url.IsLocalUrl(url) ? url : "/";
}
