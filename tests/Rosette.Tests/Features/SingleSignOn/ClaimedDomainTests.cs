using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.SingleSignOn;
using Rosette.Features.Classes;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.SingleSignOn;

/// <summary>
/// An email domain claimed by an organization's connection belongs to that organization and its subtree: nobody creates a
/// person with an address in it anywhere else, by the API, the page or a roster import.
/// </summary>
public sealed class ClaimedDomainTests(SingleSignOnFixture app) : IClassFixture<SingleSignOnFixture>
{
    private static string NewDomain() => $"{Guid.NewGuid():N}"[..12] + ".sso.test";

    private static object NewUser(string email, Guid organizationId) =>
        new { email, firstName = "New", lastName = "Person", organizationId, role = "student" };

    [Fact]
    public async Task CreateUser_AddressInADomainClaimedByAnotherOrganizationsConnection_IsRefusedAndStoresNothing()
    {
        var world = await app.NewWorldAsync();
        var domain = NewDomain();
        var unicode = $"bücher-{Guid.NewGuid():N}"[..16] + ".sso.test";
        await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain, unicode]);
        var adminB = await app.ClientAsync(world.AdminB);
        var root = await app.ClientAsync(world.AdminRoot);

        // B's administrator, in any spelling of the domain; and the root's administrator too, outside A's subtree: the claim
        // is A's, whoever creates the person.
        foreach (var (client, email, organization) in new[]
        {
            (adminB, $"eve@{domain}", world.B.Id),
            (adminB, $"Eve@{domain.ToUpperInvariant()}", world.B.Id),
            (adminB, $"eve@{unicode}", world.B.Id),
            (adminB, $"eve@{new IdnMapping().GetAscii(unicode)}", world.B.Id),
            (root, $"eve@{domain}", world.B.Id),
            (root, $"eve@{domain}", world.Root.Id),
        })
        {
            await DbSnapshot.UnchangedAsync(app.Factory, async () =>
                await (await client.PostJsonAsync("/api/v1/users", NewUser(email, organization))).IsProblemAsync(HttpStatusCode.Conflict, "email_domain_claimed"));
        }
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email.StartsWith("eve@"))));

        // In the connected organization and below it, and in domains nobody claims, people are created as before.
        await (await root.PostJsonAsync("/api/v1/users", NewUser($"ada@{domain}", world.A.Id))).IsOkAsync<JsonElement>(HttpStatusCode.Created);
        await (await (await app.ClientAsync(world.AdminA)).PostJsonAsync("/api/v1/users", NewUser($"grace@{unicode}", world.A1.Id)))
            .IsOkAsync<JsonElement>(HttpStatusCode.Created);
        await (await adminB.PostJsonAsync("/api/v1/users", NewUser($"bob@{NewDomain()}", world.B.Id))).IsOkAsync<JsonElement>(HttpStatusCode.Created);
    }

    [Fact]
    public async Task NewUserPage_AddressInADomainClaimedElsewhere_SaysSoUnderTheEmailAndStoresNothing()
    {
        var world = await app.NewWorldAsync();
        var domain = NewDomain();
        await app.ConnectAsync(await app.ClientAsync(world.AdminA), world.A.Id, [domain]);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminB);
        await session.GetAsync("/admin/users/new");

        var answer = await DbSnapshot.UnchangedAsync(app.Factory, () => session.PostAsync("/admin/users/new", [new("Input.Email", $"eve@{domain}"),
            new("Input.FirstName", "Eve"), new("Input.LastName", "B"), new("Input.OrganizationId", world.B.Id.ToString()), new("Input.Role", "Student")]));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Matches("data-valmsg-for=\"Input.Email\"[^>]*>" + Regex.Escape(HtmlEncoder.Default.Encode(SignInConnectionErrors.DomainClaimed.Message)), html);
    }

    [Fact]
    public async Task RosterImport_NewStudentInADomainClaimedByAnotherOrganization_IsARejectedRow_OthersAreImported()
    {
        var world = await app.NewWorldAsync();
        var domain = NewDomain();
        var root = await app.ClientAsync(world.AdminRoot);
        await app.ConnectAsync(root, world.A.Id, [domain]);
        var import = $"/api/v1/classes/{world.OtherClass.Id}/roster-imports";
        static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");
        // OtherClass belongs to Root: a row without an organization creates its student there, outside A's subtree.
        var csv = $"""
            email,first name,last name,organization
            eve@{domain},Eve,Root,
            ada@{domain},Ada,Below,{world.A1.Id}
            bob@{NewDomain()},Bob,Elsewhere,{world.B.Id}
            """;

        foreach (var url in new[] { $"{import}/preview", import })
        {
            var result = await (await root.PostAsync(url, Csv(csv))).IsOkAsync<RosterImportResult>();
            Assert.Equal([ImportOutcome.EmailDomainClaimed, ImportOutcome.NewUser, ImportOutcome.NewUser], result.Details.Select(r => r.Outcome));
            Assert.Equal((2, 1), (result.NewUsers, result.Rejected));
        }
        await app.Factory.WithDbAsync(async db =>
        {
            Assert.False(await db.Users.AnyAsync(u => u.Email == $"eve@{domain}"));
            Assert.Equal(world.A1.Id, (await db.Users.SingleAsync(u => u.Email == $"ada@{domain}")).OrganizationId);
        });

        // A file whose only new student is refused writes no user and no enrollment.
        var refused = await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await root.PostAsync(import,
            Csv($"email,first name,last name\nzoe@{domain},Zoe,Root\n"))).IsOkAsync<JsonElement>());
        Assert.Equal("email_domain_claimed", Assert.Single(refused.GetProperty("details").EnumerateArray()).GetProperty("outcome").GetString());
        Assert.Equal(0, refused.GetProperty("newUsers").GetInt32());
    }
}
