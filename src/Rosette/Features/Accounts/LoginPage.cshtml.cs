using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.SingleSignOn;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Accounts;

/// <summary>
/// Log in with the same check as the API token (<see cref="SignInHandler"/>: lockout included), then a cookie; or go to the
/// single sign-on of the email's domain ("Sign in with single sign-on", or "Log in" without a password). Where a domain goes
/// depends on the domain only, never on whether an account exists.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(SignInLimits.Policy)]
public sealed class LoginPageModel(SignInHandler signInHandler, SignInManager<User> signInManager, SignInConnectionsHandler connections) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    /// <summary>Where to go after logging in; only a local URL is ever followed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet() =>
        User.Identity?.IsAuthenticated == true ? LocalRedirect(SafeReturnUrl) : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Password))
        {
            // No password: the email's single sign-on if it has one, else both fields' messages at once.
            if (ModelState.IsValid && await connections.FindByEmailAsync(Email, cancellationToken) is { } connectionId)
            {
                return SingleSignOn(connectionId);
            }
            ModelState.AddModelError(nameof(Password), "Enter your password.");
            return Page();
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var user = await signInHandler.CheckAsync(Email, Password);
        if (!user.IsSuccess)
        {
            ModelState.AddModelError(string.Empty, user.Error.Message);
            if (user.Error is RateLimitedError)
            {
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                user.Error.WithRetryAfter(Response);
            }
            return Page();
        }
        // The redirect named here: on the login path, the cookie handler would otherwise follow ?ReturnUrl itself, unchecked
        // for a header (a non-ASCII character made it throw).
        await signInManager.SignInAsync(user.Value, new AuthenticationProperties { RedirectUri = SafeReturnUrl });
        return LocalRedirect(SafeReturnUrl);
    }

    public async Task<IActionResult> OnPostSingleSignOnAsync(CancellationToken cancellationToken)
    {
        ModelState.Remove(nameof(Password));
        if (!ModelState.IsValid)
        {
            return Page();
        }
        if (await connections.FindByEmailAsync(Email, cancellationToken) is { } connectionId)
        {
            return SingleSignOn(connectionId);
        }
        ModelState.AddModelError(string.Empty, "No single sign-on is set up for this email address's domain. Log in with your password.");
        return Page();
    }

    private RedirectResult SingleSignOn(Guid connectionId) =>
        Redirect(SingleSignOnPaths.Landing(connectionId, SafeReturnUrl, Email!.Trim()));

    private string SafeReturnUrl => LocalUrl.OrHome(ReturnUrl);
}
