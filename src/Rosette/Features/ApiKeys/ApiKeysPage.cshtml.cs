using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Pages;

namespace Rosette.Features.ApiKeys;

/// <summary>An organization's API keys: create one (its secret is shown once, on the answer to the form), see them, revoke them.</summary>
public sealed class ApiKeysPageModel(ApiKeysHandler keys, OrganizationsHandler organizations) : PageModel
{
    public sealed class KeyInput
    {
        public string? Name { get; set; }

        public List<string> Permissions { get; set; } = [];

        public DateTime? ExpiresOn { get; set; }
    }

    public OrganizationDto Organization { get; private set; } = null!;

    public Paged<ApiKeyDto> Keys { get; private set; } = null!;

    [BindProperty]
    public KeyInput Input { get; set; } = new();

    /// <summary>The new key's secret: only in the answer to the POST that created it, never stored or shown again.</summary>
    public CreatedApiKeyDto? Created { get; private set; }

    [TempData]
    public string? Message { get; set; }

    public static IReadOnlyList<(string Name, string Label)> PermissionChoices { get; } =
    [
        ("post_activity_events", "Post activity events"),
        ("issue_badges", "Issue badges"),
        ("read_awards", "Read awards"),
        ("manage_rosters", "Manage rosters"),
    ];

    public async Task<IActionResult> OnGetAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await LoadAsync(organizationId, cancellationToken) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        if (await LoadAsync(organizationId, cancellationToken) is { } error)
        {
            return error;
        }
        // The date picker gives a day: the key works through the end of it (UTC).
        var expiresAt = Input.ExpiresOn is { } day ? Clock.EndOf(DateOnly.FromDateTime(day)) : (DateTime?)null;
        var created = await keys.CreateAsync(HttpContext.GetActor(), new CreateApiKeyRequest(Input.Name, organizationId, Input.Permissions, expiresAt), cancellationToken);
        if (!created.IsSuccess)
        {
            if (created.Error is Domain.InvalidError invalid)
            {
                // The handler names the expiry "expiresAt"; the form's field is the day.
                ModelState.AddError(invalid with { Fields = invalid.Fields?.ToDictionary(f => f.Key == "expiresAt" ? "expiresOn" : f.Key, f => f.Value) });
                return Page();
            }
            return this.ErrorPage(created.Error);
        }
        Created = created.Value;
        Input = new KeyInput();
        ModelState.Clear();
        return await LoadAsync(organizationId, cancellationToken) ?? Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid organizationId, Guid keyId, CancellationToken cancellationToken)
    {
        var revoked = await keys.RevokeAsync(HttpContext.GetActor(), keyId, cancellationToken);
        if (!revoked.IsSuccess)
        {
            return this.ErrorPage(revoked.Error);
        }
        Message = $"The API key '{revoked.Value.Name}' is revoked: it no longer works.";
        return Redirect($"/admin/organizations/{organizationId}/api-keys");
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
        var list = await keys.ListAsync(actor, new ApiKeyQuery(1, PageRequest.MaxPageSize, organizationId), cancellationToken);
        if (!list.IsSuccess)
        {
            return this.ErrorPage(list.Error);
        }
        Keys = list.Value;
        return null;
    }
}
