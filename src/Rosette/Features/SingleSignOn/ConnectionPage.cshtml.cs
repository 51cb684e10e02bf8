using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Credentials;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.SingleSignOn;

/// <summary>An organization's single sign-on: connect it to an OpenID Connect provider, change or remove the connection.</summary>
public sealed class ConnectionPageModel(SignInConnectionsHandler connections, OrganizationsHandler organizations, CredentialUrls urls) : PageModel
{
    public sealed class ConnectionInput
    {
        public string? DisplayName { get; set; }

        public string? Issuer { get; set; }

        public string? ClientId { get; set; }

        public string? ClientSecret { get; set; }

        public string? EmailDomains { get; set; }

        public bool CreateUsers { get; set; }

        public UserRole CreatedUserRole { get; set; } = UserRole.Student;

        public bool AllowPasswords { get; set; } = true;

        public SaveSignInConnectionRequest ToRequest(Guid organizationId) => new(organizationId, DisplayName, Issuer, ClientId, ClientSecret,
            (EmailDomains ?? "").Split([',', '\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            CreateUsers, CreatedUserRole, AllowPasswords);
    }

    public OrganizationDto Organization { get; private set; } = null!;

    public SignInConnectionDto? Connection { get; private set; }

    [BindProperty]
    public ConnectionInput Input { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public string RedirectUri => Connection is null ? "" : SingleSignOnPaths.RedirectUri(urls, Connection.Id);

    public string LandingUrl => Connection is null ? "" : urls.Absolute(Connection.SignInPath);

    public async Task<IActionResult> OnGetAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(organizationId, cancellationToken) is { } error)
        {
            return error;
        }
        if (Connection is { } c)
        {
            Input = new ConnectionInput
            {
                DisplayName = c.DisplayName, Issuer = c.Issuer, ClientId = c.ClientId, EmailDomains = string.Join(", ", c.EmailDomains),
                CreateUsers = c.CreateUsers, CreatedUserRole = c.CreatedUserRole, AllowPasswords = c.AllowPasswords,
            };
        }
        else
        {
            Input.DisplayName = Organization.Name;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(organizationId, cancellationToken) is { } error)
        {
            return error;
        }
        var actor = HttpContext.GetActor();
        var saved = Connection is null
            ? await connections.CreateAsync(actor, Input.ToRequest(organizationId), cancellationToken)
            : await connections.UpdateAsync(actor, Connection.Id, Input.ToRequest(organizationId), cancellationToken);
        if (!saved.IsSuccess)
        {
            if (saved.Error is ForbiddenError or NotFoundError)
            {
                return this.ErrorPage(saved.Error);
            }
            Input.ClientSecret = null;
            ModelState.AddError(saved.Error);
            return Page();
        }
        Message = "Single sign-on is saved. It applies to the next sign-in.";
        return Redirect($"/admin/organizations/{organizationId}/sign-in");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(organizationId, cancellationToken) is { } error)
        {
            return error;
        }
        if (Connection is not null && await connections.DeleteAsync(HttpContext.GetActor(), Connection.Id, cancellationToken) is { } refused)
        {
            return this.ErrorPage(refused);
        }
        Message = "Single sign-on is removed: everyone signs in with a Rosette password again.";
        return Redirect($"/admin/organizations/{organizationId}/sign-in");
    }

    private async Task<IActionResult?> LoadAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        var actor = HttpContext.GetActor();
        var organization = await organizations.GetAsync(actor, organizationId, cancellationToken);
        if (!organization.IsSuccess)
        {
            return this.ErrorPage(organization.Error);
        }
        Organization = organization.Value;
        Connection = await connections.OfOrganizationAsync(actor, organizationId, cancellationToken);
        return null;
    }
}
