using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.SingleSignOn;

/// <summary>"Sign in with {organization}": the link an organization hands its people, which starts its single sign-on.</summary>
[AllowAnonymous]
public sealed class SignInWithPageModel : PageModel
{
    public ConnectionContext Connection { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>The email typed on the log-in page: the page then moves on to the provider by itself.</summary>
    [BindProperty(SupportsGet = true)]
    public string? LoginHint { get; set; }

    public string BeginUrl => SingleSignOnPaths.Begin(Connection.Id, LocalUrl.OrHome(ReturnUrl), ValidLoginHint);

    private string? ValidLoginHint => EmailAddress.Parse("loginHint", LoginHint).IsSuccess ? LoginHint!.Trim() : null;

    public IActionResult OnGet()
    {
        if (HttpContext.Items[typeof(ConnectionContext)] is not ConnectionContext connection)
        {
            return NotFound();
        }
        Connection = connection;
        if (ValidLoginHint is not null)
        {
            // The log-in form cannot redirect to the provider itself (CSP form-action 'self' holds for a form's redirects too):
            // its answer is this page, which goes on as a navigation of its own.
            Response.Headers["Refresh"] = $"0; url={BeginUrl}";
        }
        return Page();
    }
}
