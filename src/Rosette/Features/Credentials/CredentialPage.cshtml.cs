using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.Credentials;

/// <summary>The public page of one credential: anyone with the link sees it, signed in or not. Revocation shows at once.</summary>
[AllowAnonymous]
public sealed class CredentialPageModel(CredentialViewHandler credentials) : PageModel
{
    public CredentialView Credential { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid awardId, CancellationToken cancellationToken)
    {
        // The route's guid accepts any spelling of the id: only the canonical one (lower case) names the page.
        var credential = Request.Path.Value == $"/credentials/{awardId:D}" ? await credentials.GetAsync(awardId, cancellationToken) : null;
        if (credential is null)
        {
            return this.ErrorPage(new NotFoundError("credential_not_found", "There is no credential at this address."));
        }
        Credential = credential;
        return Page();
    }
}
