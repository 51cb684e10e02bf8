using System.Text.Json;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The Choose Badge(s) list, searched and paged by cursor (decision 0023): through the API and the Issue Badges page's
/// handler, which badges it offers, in which order, to whom, and that the issuance refuses any other badge anyway.
/// </summary>
public sealed partial class BadgeChooserTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string ApiUrl(World world, int pageSize, string query = "") =>
        $"/api/v1/classes/{world.Class.Id}/issuable-badges?pageSize={pageSize}{query}";

    private static string HandlerUrl(World world, string query = "") => $"/classes/{world.Class.Id}/issue-badges?handler=Badges{query}";

    /// <summary>Badges of the class's organization allowing manual issuance, named as given, and the same names where the rule refuses them.</summary>
    private Task<List<Badge>> AddBadgesAsync(World world, params string[] names) => app.Factory.WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var eligible = names.Select(n => Badge.Create(n, "A chooser badge.", null, world.Root, true, null, [], now).Value).ToList();
        db.Badges.AddRange(eligible);
        db.Badges.AddRange(names.Distinct().SelectMany(n => new[]
        {
            Badge.Create(n, "Manual issuance off.", null, world.Root, false, null, [], now).Value,
            Badge.Create(n, "Another organization's.", null, world.B, true, null, [], now).Value,
        }));
        await db.SaveChangesAsync();
        return eligible;
    });

    private Task<List<Guid>> EligibleInOrderAsync(World world) => app.Factory.WithDbAsync(db => db.Badges
        .Where(IssuanceRules.IssuableIn(world.Root.Id)).OrderBy(b => b.Name).ThenBy(b => b.Id).Select(b => b.Id).ToListAsync());

    [Fact]
    public async Task IssuableBadges_WalkedInPagesOfThree_GiveEveryEligibleBadgeOnce_InNameOrder_ThroughTies()
    {
        var world = await app.NewWorldAsync();
        await AddBadgesAsync(world, [.. Enumerable.Repeat("Tie", 8), "alpha", "Beta", "zeta"]);
        var client = await app.ClientAsync(world.OrgInstructor);

        var pages = await KeysetWalk.PagesAsync<IssuableBadge>(client, ApiUrl(world, 3));

        // The database's own order of exactly the eligible badges: no duplicate, no gap, none the rule refuses.
        Assert.Equal(await EligibleInOrderAsync(world), pages.SelectMany(p => p.Items).Select(b => b.Id).ToList());
        Assert.Equal(13, pages.SelectMany(p => p.Items).Count());
        Assert.All(pages.SkipLast(1), p => Assert.Equal(3, p.Items.Count));
        Assert.All(pages, p => Assert.Equal(13, p.Total));
    }

    [Fact]
    public async Task IssuableBadges_Search_IgnoresCase_TakesWildcardsLiterally_AndPagesTheMatches()
    {
        var world = await app.NewWorldAsync();
        var ties = await AddBadgesAsync(world, [.. Enumerable.Repeat("Tie", 4), .. Enumerable.Repeat("tie break", 3), "50% off", "500 off", "Untied"]);
        var client = await app.ClientAsync(world.ContractInstructor);

        var tie = (await KeysetWalk.PagesAsync<IssuableBadge>(client, ApiUrl(world, 2, "&search=%20TIE%20"))).SelectMany(p => p.Items).ToList();
        var percent = await (await client.GetAsync(ApiUrl(world, 2, "&search=0%25"))).IsOkAsync<Paged<IssuableBadge>>();
        var none = await (await client.GetAsync(ApiUrl(world, 2, "&search=nothing"))).IsOkAsync<Paged<IssuableBadge>>();

        Assert.Equal(ties.Where(b => b.Name.Contains("tie", StringComparison.OrdinalIgnoreCase)).Select(b => b.Id).Order(), tie.Select(b => b.Id).Order());
        Assert.Equal(8, tie.Count);
        Assert.Equal("50% off", Assert.Single(percent.Items).Name);
        Assert.Empty(none.Items);
        Assert.Null(none.Next);
    }

    [Fact]
    public async Task NameSearch_FoldsTheCaseOfEveryLetter_NotOnlyAscii_OnBothDatabases()
    {
        var world = await app.NewWorldAsync();
        var added = await AddBadgesAsync(world, "Über Éclair", "Uber Eclair");
        var instructor = await app.ClientAsync(world.ContractInstructor);
        var admin = await app.ClientAsync(world.AdminRoot);

        foreach (var term in new[] { "über", "ÜBER", "Über", "éclair", "ÉCLAIR" })
        {
            var issuable = await (await instructor.GetAsync(ApiUrl(world, 10, $"&search={Uri.EscapeDataString(term)}"))).IsOkAsync<Paged<IssuableBadge>>();
            var listed = await (await admin.GetAsync($"/api/v1/badges?organizationId={world.Root.Id}&search={Uri.EscapeDataString(term)}")).IsOkAsync<Paged<JsonElement>>();
            Assert.Equal(added[0].Id, Assert.Single(issuable.Items).Id);
            Assert.Contains(added[0].Id, listed.Items.Select(b => b.GetProperty("id").GetGuid()));
            Assert.All(listed.Items, b => Assert.Equal("Über Éclair", b.GetProperty("name").GetString()));
        }
    }

    [Fact]
    public async Task IssuableBadges_BadInput_Is400OnItsField_NeverA500()
    {
        var world = await app.NewWorldAsync();
        await AddBadgesAsync(world, "One", "Two", "Three");
        var client = await app.ClientAsync(world.AdminRoot);
        var valid = (await (await client.GetAsync(ApiUrl(world, 1))).IsOkAsync<Paged<IssuableBadge>>()).Next!;

        (await (await client.GetAsync(ApiUrl(world, 1, $"&search={new string('x', 201)}"))).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("search");
        (await (await client.GetAsync(ApiUrl(world, 0))).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("pageSize");
        (await (await client.GetAsync(ApiUrl(world, PageRequest.MaxPageSize + 1))).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("pageSize");
        var awardCursor = AwardsHandler.CursorAfter(DateTime.UtcNow, Guid.NewGuid());
        foreach (var cursor in KeysetWalk.Malformed(valid, awardCursor))
        {
            var response = await client.GetAsync(ApiUrl(world, 1, $"&after={Uri.EscapeDataString(cursor)}"));
            (await response.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("after");
        }
        // A well-formed cursor of a badge the rule refuses here positions nothing and tells nothing of the badge's name.
        foreach (var refused in new[] { world.BadgeB, world.NoManual, world.Archived })
        {
            var response = await client.GetAsync(ApiUrl(world, 1, $"&after={ListIssuableHandler.CursorAfter(refused.Id)}"));
            (await response.IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed")).HasFieldError("after");
        }
    }

    [Fact]
    public async Task IssuableBadges_Page_IsCheckedAndServed_AsOnTheOtherListsPagedByCursor()
    {
        var world = await app.NewWorldAsync();
        await AddBadgesAsync(world, "One", "Two", "Three");
        var client = await app.ClientAsync(world.AdminRoot);
        var first = await (await client.GetAsync(ApiUrl(world, 2))).IsOkAsync<Paged<IssuableBadge>>();

        // Before, page was not read at all: page=2 answered page 1 again, and page=-5 answered 200 (decision 0018, "Offsets").
        var second = await (await client.GetAsync(ApiUrl(world, 2, "&page=2"))).IsOkAsync<Paged<IssuableBadge>>();
        var byCursor = await (await client.GetAsync(ApiUrl(world, 2, $"&after={first.Next}"))).IsOkAsync<Paged<IssuableBadge>>();
        Assert.Equal(2, second.Page);
        Assert.Equal(byCursor.Items.Select(b => b.Id), second.Items.Select(b => b.Id));
        Assert.Empty(first.Items.Select(b => b.Id).Intersect(second.Items.Select(b => b.Id)));
        foreach (var page in new[] { "-5", "0", "2147483647", "201" })
        {
            var pageSize = page == "201" ? 50 : 2; // page 201 of 50 starts past the 10,000 rows an offset may reach
            (await (await client.GetAsync(ApiUrl(world, pageSize, $"&page={page}"))).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
                .HasFieldError("page");
        }
        (await (await client.GetAsync(ApiUrl(world, 2, $"&page=2&after={first.Next}"))).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))
            .HasFieldError("after");
        // A value that is not a number is refused by the binding, as on every list.
        await (await client.GetAsync(ApiUrl(world, 2, "&page=abc"))).IsProblemAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task IssueBadgesPage_RendersTheFirstPageOnly_AndItsHandlerServesTheNext()
    {
        var world = await app.NewWorldAsync();
        await AddBadgesAsync(world, [.. Enumerable.Range(0, 60).Select(i => $"Badge {i:D2}")]);
        var order = await EligibleInOrderAsync(world);
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);

        var (status, html) = await session.GetAsync($"/classes/{world.Class.Id}/issue-badges");
        var (rosterStatus, roster) = await session.GetAsync($"/classes/{world.Class.Id}/roster");
        var next = MoreCursor().Match(html).Groups[1].Value;
        var (nextStatus, nextHtml) = await session.GetAsync(HandlerUrl(world, $"&after={next}"));
        var (oneStatus, oneBadge) = await session.GetAsync(HandlerUrl(world, "&search=badge%2007&oneBadge=true"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(order.Take(ListIssuableHandler.BadgePageSize), ChoiceIds(html, "AddBadgeIds"));
        Assert.Equal(HttpStatusCode.OK, rosterStatus);
        Assert.Equal(order.Take(ListIssuableHandler.BadgePageSize), ChoiceIds(roster, "BadgeId"));
        Assert.Equal(HttpStatusCode.OK, nextStatus);
        Assert.Equal(order.Skip(ListIssuableHandler.BadgePageSize), ChoiceIds(nextHtml, "AddBadgeIds"));
        Assert.DoesNotContain("More badges", nextHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, oneStatus);
        Assert.Single(ChoiceIds(oneBadge, "BadgeId"));
    }

    [Theory]
    [InlineData("after=not-a-cursor", "&#x27;after&#x27; is not a cursor of this list")]
    [InlineData("search=" + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "&#x27;search&#x27; must be at most 200 characters.")]
    public async Task IssueBadgesPage_BadgesHandler_BadInput_Is400WithTheMessageInTheList(string query, string message)
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);

        var (status, html) = await session.GetAsync(HandlerUrl(world, "&" + query));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, html, StringComparison.Ordinal);
        Assert.Contains("data-badge-status", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin-in-scope", HttpStatusCode.OK)]
    [InlineData("organization-instructor", HttpStatusCode.OK)]
    [InlineData("contract-instructor", HttpStatusCode.OK)]
    [InlineData("admin-out-of-scope", HttpStatusCode.NotFound)]
    [InlineData("instructor-of-another-class", HttpStatusCode.NotFound)]
    [InlineData("student-of-the-class", HttpStatusCode.Forbidden)]
    [InlineData("student-elsewhere", HttpStatusCode.NotFound)]
    public async Task IssueBadgesPage_BadgesHandler_AuthorizationMatrix_RefusedGetsNoBadgeAndChangesNothing(string caller, HttpStatusCode expected)
    {
        var world = await app.NewWorldAsync();
        var user = caller switch
        {
            "admin-in-scope" => world.AdminRoot,
            "organization-instructor" => world.OrgInstructor,
            "contract-instructor" => world.ContractInstructor,
            "admin-out-of-scope" => world.AdminB,
            "instructor-of-another-class" => world.OtherInstructor,
            "student-of-the-class" => world.StudentA1,
            _ => world.StudentOutside,
        };
        using var session = await PageSession.SignInAsync(app.Factory, user);
        var before = await DbSnapshot.TakeAsync(app.Factory);

        var (status, html) = await session.GetAsync(HandlerUrl(world, "&search=manual"));
        var (oneStatus, _) = await session.GetAsync(HandlerUrl(world, "&oneBadge=true"));

        Assert.Equal(expected, status);
        Assert.Equal(expected, oneStatus);
        Assert.DoesNotContain(world.BadgeB.Id.ToString(), html, StringComparison.Ordinal);
        Assert.DoesNotContain(world.NoManual.Id.ToString(), html, StringComparison.Ordinal);
        Assert.DoesNotContain(world.Archived.Id.ToString(), html, StringComparison.Ordinal);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(new[] { world.Manual.Id, world.Manual2.Id }.Order(), ChoiceIds(html, "AddBadgeIds").Order());
            return;
        }
        Assert.DoesNotContain(world.Manual.Id.ToString(), html, StringComparison.Ordinal);
        Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory));
    }

    [Fact]
    public async Task IssueBadgesPage_WithoutScript_SearchAndMoreKeepWhatIsTicked_AndAddBadgesDropsRefusedIds()
    {
        var world = await app.NewWorldAsync();
        var ties = await AddBadgesAsync(world, [.. Enumerable.Repeat("Tie", 55)]);
        var url = $"/classes/{world.Class.Id}/issue-badges";
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        await session.GetAsync(url);

        var searched = await (await session.PostAsync(url, [new("command", "search-badges"), new("BadgeSearch", "tie"), new("AddBadgeIds", world.Manual.Id.ToString())]))
            .Content.ReadAsStringAsync();
        var cursor = MoreCursor().Match(searched).Groups[1].Value;
        var more = await (await session.PostAsync(url, [new("command", $"badges-more:{cursor}"), new("BadgeSearch", "tie"),
            new("AddBadgeIds", world.Manual.Id.ToString()), new("AddBadgeIds", ties[0].Id.ToString())])).Content.ReadAsStringAsync();
        var badCursor = await (await session.PostAsync(url, [new("command", "badges-more:nonsense"), new("AddBadgeIds", world.Manual.Id.ToString())]))
            .Content.ReadAsStringAsync();
        var added = await (await session.PostAsync(url, [new("command", "add-badges"), new("AddBadgeIds", world.Manual.Id.ToString()),
            new("AddBadgeIds", world.BadgeB.Id.ToString()), new("AddBadgeIds", world.NoManual.Id.ToString()), new("AddBadgeIds", world.Archived.Id.ToString())]))
            .Content.ReadAsStringAsync();

        // What is ticked is listed first, ticked; the results follow, without it.
        var searchedIds = ChoiceIds(searched, "AddBadgeIds");
        Assert.Equal(world.Manual.Id, searchedIds[0]);
        Assert.Equal(1 + ListIssuableHandler.BadgePageSize, searchedIds.Count);
        Assert.Equal([world.Manual.Id], CheckedIds(searched));
        var moreIds = ChoiceIds(more, "AddBadgeIds");
        Assert.Equal(new[] { world.Manual.Id, ties[0].Id }.Order(), CheckedIds(more).Order());
        Assert.Equal(ties.Select(t => t.Id).Order(), searchedIds.Skip(1).Concat(moreIds.Skip(2)).Append(ties[0].Id).Distinct().Order());
        Assert.Contains("&#x27;after&#x27; is not a cursor of this list", badCursor, StringComparison.Ordinal);
        Assert.Equal([world.Manual.Id], HiddenIds(added, "BadgeIds"));
    }

    [Fact]
    public async Task IssueBadgesPage_IssueCommand_RefusesBadgesTheRuleRefuses_EvenWhenPostedDirectly()
    {
        var world = await app.NewWorldAsync();
        var url = $"/classes/{world.Class.Id}/issue-badges";
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        await session.GetAsync(url);
        var refused = new[] { world.BadgeB, world.NoManual, world.Archived };

        var response = await session.PostAsync(url, [new("command", "issue"), new("StudentIds", world.StudentA2.Id.ToString()),
            .. refused.Select(b => new KeyValuePair<string, string>("BadgeIds", b.Id.ToString()))]);
        var single = await session.PostAsync($"/classes/{world.Class.Id}/students/{world.StudentA2.Id}/issue-badge", [new("BadgeId", world.BadgeB.Id.ToString())]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The following badge issuances failed:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, single.StatusCode);
        var awards = await app.Factory.WithDbAsync(db => db.Awards.CountAsync(a => a.StudentId == world.StudentA2.Id));
        Assert.Equal(0, awards);
    }

    private static List<Guid> ChoiceIds(string html, string name) =>
        [.. ChoiceInput().Matches(html).Where(m => m.Groups["name"].Value == name).Select(m => Guid.Parse(m.Groups["id"].Value))];

    private static List<Guid> CheckedIds(string html) =>
        [.. ChoiceInput().Matches(html).Where(m => m.Value.Contains(" checked", StringComparison.Ordinal)).Select(m => Guid.Parse(m.Groups["id"].Value))];

    private static List<Guid> HiddenIds(string html, string name) =>
        [.. Regex.Matches(html, $"<input type=\"hidden\" name=\"{name}\" value=\"([0-9a-f-]{{36}})\"").Select(m => Guid.Parse(m.Groups[1].Value))];

    [GeneratedRegex("<input type=\"(?:radio|checkbox)\" id=\"[^\"]+\" name=\"(?<name>BadgeId|AddBadgeIds)\" value=\"(?<id>[0-9a-f-]{36})\"[^>]*>")]
    private static partial Regex ChoiceInput();

    [GeneratedRegex("data-badges-more=\"([^\"]+)\"")]
    private static partial Regex MoreCursor();
}
