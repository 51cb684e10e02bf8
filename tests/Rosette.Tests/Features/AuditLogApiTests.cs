using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Audit;
using Rosette.Features.Audit;
using Rosette.Features.Courses;
using Rosette.Features.Issuance;
using Rosette.Features.Organizations;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class AuditLogApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static async Task<List<AuditEntryDto>> EntriesAsync(HttpClient client, string query) =>
        (await (await client.GetAsync($"/api/v1/audit-entries?pageSize=500&{query}")).IsOkAsync<Paged<AuditEntryDto>>()).Items.ToList();

    [Fact]
    public async Task Changes_AreRecordedWithWhoWhenWhatAndWhere()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var before = DateTime.UtcNow.AddSeconds(-2);

        var badge = await (await admin.PostJsonAsync("/api/v1/badges", new { name = "Audited", description = "d", organizationId = world.Root.Id }))
            .IsOkAsync<Rosette.Features.Badges.BadgeDto>(HttpStatusCode.Created);
        (await admin.PatchJsonAsync($"/api/v1/badges/{badge.Id}", new { archived = true })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { firstName = "Renamed", isActive = false })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/users/{world.StudentA2.Id}", new { firstName = "Renamed" })).EnsureSuccessStatusCode();

        var created = Assert.Single(await EntriesAsync(admin, $"kind=badge_created&organizationId={world.Root.Id}"), e => e.EntityId == badge.Id);
        Assert.Equal((world.AdminRoot.Id, world.AdminRoot.Email, world.Root.Id, world.Root.Name), (created.ActorId, created.ActorEmail, created.OrganizationId, created.OrganizationName));
        Assert.Equal("Created badge 'Audited'", created.Summary);
        Assert.InRange(created.At, before, DateTime.UtcNow.AddSeconds(2));
        var archived = Assert.Single(await EntriesAsync(admin, "kind=badge_archived"), e => e.EntityId == badge.Id);
        Assert.Equal([true], JsonDocument.Parse(archived.Data!).RootElement.GetProperty("archived").EnumerateArray().Skip(1).Select(v => v.GetBoolean()));
        var userEntries = (await EntriesAsync(admin, "kind=user_updated")).Where(e => e.EntityId == world.StudentA2.Id).ToList();
        var userEntry = Assert.Single(userEntries); // the second PATCH changed nothing, so it is not an entry
        Assert.Contains("firstName, isActive", userEntry.Summary, StringComparison.Ordinal);
        Assert.Equal(world.A.Id, userEntry.OrganizationId);
    }

    [Fact]
    public async Task BatchIssuance_IsOneEntryWithItsCounts_AndRevocationIsAnother()
    {
        var world = await app.NewWorldAsync();
        var instructor = await app.ClientAsync(world.ContractInstructor);

        var result = await (await instructor.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new
        {
            badgeIds = new[] { world.Manual.Id, world.NoManual.Id }, studentIds = new[] { world.StudentA1.Id, world.StudentB1.Id },
        })).IsOkAsync<IssueBadgesResult>();
        (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/awards/{result.Issued[0].AwardId}/revocation", new { reason = "Mistake" }))
            .EnsureSuccessStatusCode();

        var admin = await app.ClientAsync(world.AdminRoot);
        var issued = Assert.Single(await EntriesAsync(admin, $"kind=badges_issued&organizationId={world.Root.Id}"), e => e.EntityId == result.Id);
        Assert.Equal(world.ContractInstructor.Id, issued.ActorId);
        Assert.Equal($"Issued 2 of 4 badge-student pairs in class '{world.Class.Name}' (2 failed)", issued.Summary);
        var data = JsonDocument.Parse(issued.Data!).RootElement;
        Assert.Equal((2, 2), (data.GetProperty("issued").GetInt32(), data.GetProperty("failed").GetInt32()));
        var revoked = Assert.Single(await EntriesAsync(admin, "kind=award_revoked"), e => e.EntityId == result.Issued[0].AwardId);
        Assert.Contains("Mistake", revoked.Summary, StringComparison.Ordinal);
        Assert.Equal(world.AdminRoot.Id, revoked.ActorId);
    }

    [Fact]
    public async Task Reading_IsForAdministrators_AndOnlyForTheirScope()
    {
        var world = await app.NewWorldAsync();
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        var childOfA = await (await adminRoot.PostJsonAsync("/api/v1/organizations", new { name = "Child of A", parentId = world.A.Id })).IsOkAsync<OrganizationDto>(HttpStatusCode.Created);
        var courseOfB = await (await adminRoot.PostJsonAsync("/api/v1/courses", new { name = "Course of B", organizationId = world.B.Id })).IsOkAsync<CourseDto>(HttpStatusCode.Created);
        var adminA = await app.ClientAsync(world.AdminA);

        var seenByA = await EntriesAsync(adminA, "");
        var entryOfB = Assert.Single(await EntriesAsync(adminRoot, "kind=course_created"), e => e.EntityId == courseOfB.Id);

        Assert.Contains(seenByA, e => e.EntityId == childOfA.Id && e.Kind == AuditKind.OrganizationCreated);
        Assert.DoesNotContain(seenByA, e => e.OrganizationId == world.B.Id || e.OrganizationId == world.Root.Id);
        await (await adminA.GetAsync($"/api/v1/audit-entries/{entryOfB.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "audit_entry_not_found");
        await (await adminA.GetAsync($"/api/v1/audit-entries?organizationId={world.B.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        await (await adminA.GetAsync($"/api/v1/audit-entries/export?organizationId={world.B.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
        Assert.Equal(entryOfB.Summary, (await (await adminRoot.GetAsync($"/api/v1/audit-entries/{entryOfB.Id}")).IsOkAsync<AuditEntryDto>()).Summary);
        await (await (await app.ClientAsync(world.OrgInstructor)).GetAsync("/api/v1/audit-entries")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await (await app.ClientAsync(world.StudentA1)).GetAsync($"/api/v1/audit-entries/{entryOfB.Id}")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await app.Factory.CreateClient().GetAsync("/api/v1/audit-entries")).IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Entries_CannotBeChangedOrRemoved_ThroughTheApiOrTheDatabase()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(await app.RootAsync());
        (await (await app.ClientAsync(world.AdminRoot)).PatchJsonAsync($"/api/v1/organizations/{world.B.Id}", new { name = "B renamed" })).EnsureSuccessStatusCode();
        var entry = Assert.Single(await EntriesAsync(admin, "kind=organization_updated"), e => e.EntityId == world.B.Id);
        var url = $"/api/v1/audit-entries/{entry.Id}";

        var (put, patch, delete, post) = await DbSnapshot.UnchangedAsync(app.Factory, async () => (
            await admin.PutJsonAsync(url, new { summary = "nothing happened" }),
            await admin.PatchJsonAsync(url, new { summary = "nothing happened" }),
            await admin.DeleteAsync(url),
            await admin.PostJsonAsync("/api/v1/audit-entries", new { summary = "forged", kind = "badge_created" })));
        var sqlUpdate = await Record.ExceptionAsync(() => app.Factory.WithDbAsync(db =>
            db.AuditEntries.Where(e => e.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Summary, "nothing happened"))));
        var sqlDelete = await Record.ExceptionAsync(() => app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.Id == entry.Id).ExecuteDeleteAsync()));

        foreach (var response in new[] { put, patch, delete, post })
        {
            await response.IsProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }
        Assert.Contains("append-only", sqlUpdate?.ToString(), StringComparison.Ordinal);
        Assert.Contains("append-only", sqlDelete?.ToString(), StringComparison.Ordinal);
        var after = await (await admin.GetAsync(url)).IsOkAsync<AuditEntryDto>();
        Assert.Equal(entry.Summary, after.Summary);
        Assert.Contains("B renamed", after.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInFailures_AreRecordedFromTheSignInPath()
    {
        var world = await app.NewWorldAsync();
        var anonymous = app.Factory.CreateClient();
        var unknown = $"nobody.{Guid.NewGuid():N}@rosette.test";
        for (var i = 0; i < 6; i++)
        {
            await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = world.StudentA2.Email, password = "wrong-password" });
        }
        await anonymous.PostJsonAsync("/api/v1/auth/token", new { email = unknown, password = "whatever" });

        var adminA = await app.ClientAsync(world.AdminA);
        var failures = (await EntriesAsync(adminA, "kind=sign_in_failed")).Where(e => e.EntityId == world.StudentA2.Id).ToList();
        var system = await app.ClientAsync(await app.RootAsync());

        // The sixth attempt waits (429, not audited: SignInLimitTests); lockouts are audited there too.
        Assert.Equal(5, failures.Count);
        Assert.All(failures, f => Assert.EndsWith("wrong password", f.Summary, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.Null(f.ActorId));
        Assert.All(failures, f => Assert.Equal(world.A.Id, f.OrganizationId));
        Assert.DoesNotContain(await EntriesAsync(await app.ClientAsync(world.AdminRoot), "kind=sign_in_failed"), e => e.Summary.Contains(unknown, StringComparison.Ordinal));
        var unknownEntry = Assert.Single(await EntriesAsync(system, "kind=sign_in_failed"), e => e.Summary.Contains(unknown, StringComparison.Ordinal));
        Assert.Null(unknownEntry.OrganizationId);
    }

    [Fact]
    public async Task Filters_ByActorKindAndTime_AndExportAsCsv()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        await adminA.PostJsonAsync("/api/v1/organizations", new { name = "=HYPERLINK(\"http://evil.test\")", parentId = world.A.Id });
        await adminA.PostJsonAsync("/api/v1/organizations", new { name = "Second, \"quoted\"", parentId = world.A.Id });
        (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync("/api/v1/organizations", new { name = "By root", parentId = world.A.Id })).EnsureSuccessStatusCode();

        var byActor = await EntriesAsync(adminA, $"actorId={world.AdminA.Id}");
        var future = await EntriesAsync(adminA, $"from={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        var export = await adminA.GetAsync($"/api/v1/audit-entries/export?actorId={world.AdminA.Id}&kind=organization_created");
        var badKind = await adminA.GetAsync("/api/v1/audit-entries?kind=coffee_made");
        var backwards = await adminA.GetAsync("/api/v1/audit-entries?from=2026-02-01&to=2026-01-01");

        Assert.Equal(2, byActor.Count);
        Assert.Equal(byActor.Select(e => e.Id).OrderDescending(), byActor.Select(e => e.Id));
        Assert.Empty(future);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal("audit-log.csv", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await export.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,kind,actor_id,actor_name,actor_email,organization_id,organization,entity_id,summary,data,ip_address", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(",organization_created,", StringComparison.Ordinal) && l.Contains("\"Created organization 'Second, \"\"quoted\"\"'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",\"'=HYPERLINK(", StringComparison.Ordinal)); // the organization column: a formula is escaped
        (await badKind.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("kind");
        (await backwards.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("to");
    }

    [Fact]
    public async Task List_FollowingNext_ReturnsEveryEntryOnceNewestFirst_WithFilters_AndNothingOutsideTheScope()
    {
        var world = await app.NewWorldAsync();
        var ofB = await AddEntriesAsync(world.B.Id, 2, _ => AuditKind.ClassCreated); // written first: older than every entry of A1
        var ofA1 = await AddEntriesAsync(world.A1.Id, 25, i => i % 2 == 0 ? AuditKind.ClassCreated : AuditKind.UserCreated);
        var adminA = await app.ClientAsync(world.AdminA);
        var adminB = await app.ClientAsync(world.AdminB);

        var pages = await KeysetWalk.PagesAsync<AuditEntryDto>(adminA, $"/api/v1/audit-entries?pageSize=4&organizationId={world.A1.Id}");
        var walked = pages.SelectMany(p => p.Items).ToList();
        var oneOffsetPage = await (await adminA.GetAsync($"/api/v1/audit-entries?pageSize=500&organizationId={world.A1.Id}")).IsOkAsync<Paged<AuditEntryDto>>();
        var byKind = (await KeysetWalk.PagesAsync<AuditEntryDto>(adminA, $"/api/v1/audit-entries?pageSize=3&organizationId={world.A1.Id}&kind=class_created"))
            .SelectMany(p => p.Items).ToList();
        var cursorOfA = pages[0].Next!;
        var bWithCursorOfA = await (await adminB.GetAsync($"/api/v1/audit-entries?after={cursorOfA}")).IsOkAsync<Paged<AuditEntryDto>>();
        var bForged = await (await adminB.GetAsync($"/api/v1/audit-entries?after={AuditLogHandler.CursorAfter(long.MaxValue)}")).IsOkAsync<Paged<AuditEntryDto>>();

        Assert.Equal(7, pages.Count);
        Assert.Equal(ofA1.Order(), walked.Select(e => e.Id).Order());
        Assert.Equal(oneOffsetPage.Items.Select(e => e.Id), walked.Select(e => e.Id));
        Assert.Equal(walked.Select(e => e.Id).OrderDescending(), walked.Select(e => e.Id));
        Assert.All(pages, p => Assert.Equal((25, false), (p.Total, p.TotalCapped)));
        Assert.Null(pages[^1].Next);
        Assert.Equal(walked.Where(e => e.Kind == AuditKind.ClassCreated).Select(e => e.Id), byKind.Select(e => e.Id));
        Assert.Equal(13, byKind.Count);
        Assert.Equal(ofB.Order(), bWithCursorOfA.Items.Select(e => e.Id).Order());
        Assert.Equal(ofB.Order(), bForged.Items.Select(e => e.Id).Order());
        Assert.Equal((2, false), (bForged.Total, bForged.TotalCapped));
    }

    [Fact]
    public async Task List_PastTheCap_CountsTo10000_RefusesDeepOffsets_AndMalformedCursors()
    {
        var world = await app.NewWorldAsync();
        await AddEntriesAsync(world.A1.Id, KeysetPaging.TotalCap + 1, i => i == 0 ? AuditKind.ClassCreated : AuditKind.UserCreated);
        var adminA = await app.ClientAsync(world.AdminA);
        var url = $"/api/v1/audit-entries?organizationId={world.A1.Id}";

        var first = await (await adminA.GetAsync(url)).IsOkAsync<Paged<AuditEntryDto>>();
        var lastWithinCap = await (await adminA.GetAsync($"{url}&page=200&pageSize=50")).IsOkAsync<Paged<AuditEntryDto>>();
        var afterCap = await (await adminA.GetAsync($"{url}&after={lastWithinCap.Next}&pageSize=50")).IsOkAsync<Paged<AuditEntryDto>>();
        var deep = await (await adminA.GetAsync($"{url}&page=201&pageSize=50")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var few = await (await adminA.GetAsync($"{url}&kind=class_created")).IsOkAsync<Paged<AuditEntryDto>>();
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminA);
        var (status, html) = await page.GetAsync($"/admin/audit?organizationId={world.A1.Id}");

        Assert.Equal((10_000, true, 50), (first.Total, first.TotalCapped, first.Items.Count));
        Assert.Equal((10_000, true, 50), (lastWithinCap.Total, lastWithinCap.TotalCapped, lastWithinCap.Items.Count));
        Assert.Single(afterCap.Items); // row 10,001, which no offset reaches
        Assert.Null(afterCap.Next);
        deep.HasFieldError("page");
        Assert.Contains("'next'", deep.GetProperty("errors").GetProperty("page")[0].GetString(), StringComparison.Ordinal);
        (await (await adminA.GetAsync($"{url}&page=2&after={first.Next}")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("after");
        foreach (var after in KeysetWalk.Malformed(first.Next!, AwardsHandler.CursorAfter(DateTime.UtcNow, Guid.NewGuid())))
        {
            (await (await adminA.GetAsync($"{url}&after={Uri.EscapeDataString(after)}")).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
                .HasFieldError("after");
        }
        Assert.Equal((1, false), (few.Total, few.TotalCapped));
        Assert.Equal(HttpStatusCode.OK, status);
        var text = WebUtility.HtmlDecode(html);
        Assert.Contains("Showing 1–50 of 10,000+ entries, newest first.", text, StringComparison.Ordinal);
        Assert.Contains($"href=\"/admin/audit?organizationId={world.A1.Id}&after={first.Next}\" rel=\"next\">Next</a>", text, StringComparison.Ordinal);
    }

    /// <summary>Entries of one organization, written in one instant through the bulk path; their ids.</summary>
    private Task<List<long>> AddEntriesAsync(Guid organizationId, int count, Func<int, AuditKind> kind) => app.Factory.WithDbAsync(async db =>
    {
        var at = DateTime.UtcNow;
        var tag = Guid.NewGuid().ToString("N");
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.InsertAsync(Enumerable.Range(0, count).Select(i => AuditEntry.Create(at, kind(i), null, organizationId, null, $"Paged {tag} {i}", null, null)).ToList(),
            ignoreConflicts: false, _ => 0, CancellationToken.None);
        await transaction.CommitAsync();
        return await db.AuditEntries.Where(e => e.Summary.StartsWith("Paged " + tag)).Select(e => e.Id).ToListAsync();
    });
}
