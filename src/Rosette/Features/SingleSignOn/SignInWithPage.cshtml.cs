using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Rosette.Features.SingleSignOn;

/// <summary>"Sign in with {organization}": the link an organization hands its people, which starts its single sign-on.</summary>
[AllowAnonymous]
public sealed class SignInWithPageModel : PageModel
{
    public ConnectionContext Connection { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string BeginUrl => SingleSignOnPaths.Begin(Connection.Id, LocalUrl.OrHome(ReturnUrl));

    public IActionResult OnGet()
    {
        if (HttpContext.Items[typeof(ConnectionContext)] is not ConnectionContext connection)
        {
            return NotFound();
        }
        Connection = connection;
        return Page();
    }
}
