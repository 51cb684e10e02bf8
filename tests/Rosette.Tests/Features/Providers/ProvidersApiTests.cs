using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Features.Badges;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

public sealed class ProvidersApiTests(ProvidersFixture app) : IClassFixture<ProvidersFixture>
{
    [Fact]
    public async Task ApiToken_IsEncryptedAtRest_AndNeverReturned()
    {
        var (world, provider) = await app.NewProviderWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var read = await (await admin.GetAsync($"/api/v1/badge-providers/{provider.Id}")).Content.ReadAsStringAsync();
        var list = await (await admin.GetAsync("/api/v1/badge-providers")).Content.ReadAsStringAsync();
        var stored = await app.Factory.WithDbAsync(db => db.BadgeProviders.Where(p => p.Id == provider.Id).Select(p => p.ProtectedApiToken).SingleAsync());

        Assert.DoesNotContain(FakeCredly.Token, read, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeCredly.Token, list, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeCredly.Token, stored, StringComparison.Ordinal);
        Assert.True(provider.HasApiToken);
        Assert.True(stored.Length > FakeCredly.Token.Length);
    }

    [Fact]
    public async Task CreateAndLink_Validation()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);

        var invalid = await adminRoot.PostJsonAsync("/api/v1/badge-providers", new { name = "", organizationId = world.Root.Id, apiBaseUrl = "ftp://x", providerOrganizationId = "o" });
        var problem = await invalid.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        problem.HasFieldError("name");
        problem.HasFieldError("apiBaseUrl");
        problem.HasFieldError("apiToken");
        var ofB = await (await adminRoot.PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "B's Credly", organizationId = world.B.Id, providerOrganizationId = "o", apiToken = "t", apiBaseUrl = "https://api.credly.com/v1",
        })).IsOkAsync<ProviderDto>(HttpStatusCode.Created);

        await (await adminRoot.PutJsonAsync($"/api/v1/badges/{world.Manual.Id}/provider", new { providerId = ofB.Id, providerTemplateId = "t" }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "provider_not_available");
        await (await adminRoot.PutJsonAsync($"/api/v1/badges/{world.BadgeB.Id}/provider", new { providerId = ofB.Id }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        // A template id that is given but too long is told so, not that it is missing.
        var tooLong = await (await adminRoot.PutJsonAsync($"/api/v1/badges/{world.BadgeB.Id}/provider", new { providerId = ofB.Id, providerTemplateId = new string('A', 300) }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("'providerTemplateId' must be at most", tooLong.GetRawText(), StringComparison.Ordinal);
        var linked = await (await adminRoot.PutJsonAsync($"/api/v1/badges/{world.BadgeB.Id}/provider", new { providerId = ofB.Id, providerTemplateId = "tmpl-1" })).IsOkAsync<BadgeDto>();
        Assert.Equal((ofB.Id, "tmpl-1"), (linked.ProviderId, linked.ProviderTemplateId));
    }

    [Fact]
    public async Task Providers_AreAdministeredInScopeOnly()
    {
        var (world, provider) = await app.NewProviderWorldAsync();

        var (adminA, adminB, instructor, student) =
            (await app.ClientAsync(world.AdminA), await app.ClientAsync(world.AdminB), await app.ClientAsync(world.OrgInstructor), await app.ClientAsync(world.StudentA1));
        var ofB = await (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "B's Credly", organizationId = world.B.Id, providerOrganizationId = "o", apiToken = "t", apiBaseUrl = "https://api.credly.com/v1",
        })).IsOkAsync<ProviderDto>(HttpStatusCode.Created);

        await (await adminA.GetAsync($"/api/v1/badge-providers/{provider.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "badge_provider_not_found");
        var refused = await (await instructor.GetAsync("/api/v1/badge-providers")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(ProvidersHandler.AdministratorsOnly.Message, refused.GetProperty("detail").GetString());
        using (var pages = await PageSession.SignInAsync(app.Factory, world.OrgInstructor))
        {
            // The administrators-only policy refuses a page as its handler did: 403 and the area's message.
            var (status, html) = await pages.GetAsync("/providers");
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains(ProvidersHandler.AdministratorsOnly.Message, html, StringComparison.Ordinal);
        }
        await (await (await app.ClientAsync(world.ContractInstructor)).GetAsync("/api/v1/deliveries")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminB.PatchJsonAsync($"/api/v1/badge-providers/{provider.Id}", new { name = "x" })).IsProblemAsync(HttpStatusCode.NotFound, "badge_provider_not_found");
            await (await adminA.PostJsonAsync("/api/v1/badge-providers", new { name = "x", organizationId = world.B.Id, providerOrganizationId = "o", apiToken = "t", apiBaseUrl = "https://api.credly.com/v1" }))
                .IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
            await (await instructor.PostJsonAsync("/api/v1/badge-providers", new { name = "x", organizationId = world.A.Id, providerOrganizationId = "o", apiToken = "t", apiBaseUrl = "https://api.credly.com/v1" }))
                .IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await student.PutJsonAsync($"/api/v1/badges/{world.Manual.Id}/provider", new { providerId = provider.Id, providerTemplateId = "x" }))
                .IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await adminB.PutJsonAsync($"/api/v1/badges/{world.BadgeB.Id}/provider", new { providerId = provider.Id, providerTemplateId = "x" }))
                .IsProblemAsync(HttpStatusCode.NotFound, "badge_provider_not_found");
            await (await adminB.DeleteAsync($"/api/v1/badges/{world.Manual.Id}/provider")).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found");
        });

        // The list answers each administrator with exactly the providers of their subtree.
        foreach (var (admin, expected) in new[] { (world.AdminRoot, new[] { provider.Id, ofB.Id }), (world.AdminA, Array.Empty<Guid>()), (world.AdminB, new[] { ofB.Id }) })
        {
            var listed = await (await (await app.ClientAsync(admin)).GetAsync("/api/v1/badge-providers?pageSize=500")).IsOkAsync<Paged<ProviderDto>>();
            Assert.Equal(expected.Order(), listed.Items.Select(p => p.Id).Order());
        }
    }
}
