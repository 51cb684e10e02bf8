using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Rosette.Features.SingleSignOn;

/// <summary>
/// Where a failed single sign-on ends: what went wrong, in words, from a fixed list keyed by the code (nothing the request
/// carries is shown). The failure was audited when it happened, not here.
/// </summary>
[AllowAnonymous]
public sealed class FailedPageModel : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    public ConnectionContext? Connection { get; private set; }

    public string ShownCode => Code is not null && SingleSignOnFailures.Messages.ContainsKey(Code) ? Code : "sso_failed";

    public string Message => SingleSignOnFailures.Messages[ShownCode];

    public IActionResult OnGet()
    {
        Connection = HttpContext.Items[typeof(ConnectionContext)] as ConnectionContext;
        // The page answers with an error status, so that nothing takes it for a signed-in page.
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }
}
