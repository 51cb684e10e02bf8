using System.Net;
using System.Text.RegularExpressions;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The Issue Badges page over HTTP: bad input in the student chooser and the result download's forwarding address.</summary>
public sealed partial class IssueBadgesPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly string TooLong = new('x', 201);

    private static string PageUrl(World world) => $"/classes/{world.Class.Id}/issue-badges";

    [Theory]
    [InlineData("search-students")]
    [InlineData("search-badges")]
    public async Task IssueBadgesPage_SearchOver200Characters_SaysSoInline_AndKeepsTheSelection(string command)
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        await session.GetAsync(PageUrl(world));

        var response = await session.PostAsync(PageUrl(world), [new("command", command), new("StudentSearch", TooLong), new("BadgeSearch", TooLong),
            new("BadgeIds", world.Manual.Id.ToString()), new("StudentIds", world.StudentA2.Id.ToString())]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("&#x27;search&#x27; must be at most 200 characters.", html, StringComparison.Ordinal);
        Assert.Contains("<h1>Issue Badges</h1>", html, StringComparison.Ordinal);
        Assert.Equal([world.Manual.Id], HiddenIds(html, "BadgeIds"));
        Assert.Equal([world.StudentA2.Id], HiddenIds(html, "StudentIds"));
    }

    [Fact]
    public async Task IssueBadgesPage_StudentsHandler_ServesThePageAsked()
    {
        var world = await app.NewWorldAsync();
        await Seed.EnrolledStudentsAsync(app.Factory.Services, world.Root.Id, world.Class.Id, Rosette.Features.Issuance.IssueBadgesPageModel.StudentPageSize + 1);
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        var ids = (string html) => AddStudentIds().Matches(html).Select(m => m.Groups[1].Value).ToHashSet();

        // Before, "page" was bound from the route values first (Razor Pages names the page there), so it never converted
        // and every page of the chooser was the first.
        var (firstStatus, first) = await session.GetAsync($"{PageUrl(world)}?handler=Students&page=1");
        var (secondStatus, second) = await session.GetAsync($"{PageUrl(world)}?handler=Students&page=2");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (firstStatus, secondStatus));
        Assert.Equal(Rosette.Features.Issuance.IssueBadgesPageModel.StudentPageSize, ids(first).Count);
        Assert.NotEmpty(ids(second));
        Assert.Empty(ids(first).Intersect(ids(second)));
    }

    [GeneratedRegex("name=\"AddStudentIds\" value=\"([0-9a-f-]{36})\"")]
    private static partial Regex AddStudentIds();

    [Fact]
    public async Task IssueBadgesPage_StudentsHandler_SearchOver200Characters_Is400WithTheMessageInTheList()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);

        var (status, html) = await session.GetAsync($"{PageUrl(world)}?handler=Students&search={TooLong}");
        var (okStatus, okHtml) = await session.GetAsync($"{PageUrl(world)}?handler=Students&search=");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("&#x27;search&#x27; must be at most 200 characters.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<h1>", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains(world.StudentA2.Id.ToString(), okHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueBadgesPage_ResultCsvHandler_RedirectsTemporarily_AndAMalformedBatchIdIs400()
    {
        var world = await app.NewWorldAsync();
        var batchId = Guid.NewGuid();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);

        var valid = await session.GetResponseAsync($"{PageUrl(world)}?handler=ResultCsv&batchId={batchId}");
        var (malformedStatus, malformedHtml) = await session.GetAsync($"{PageUrl(world)}?handler=ResultCsv&batchId=zzz");
        var (missingStatus, _) = await session.GetAsync($"{PageUrl(world)}?handler=ResultCsv");

        Assert.Equal(HttpStatusCode.Redirect, valid.StatusCode);
        Assert.Equal($"/badge-issuances/{batchId}/result.csv", valid.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.BadRequest, malformedStatus);
        Assert.Contains("&#x27;batchId&#x27; must be a batch id.", malformedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("00000000-0000-0000-0000-000000000000", malformedHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missingStatus);
    }

    [Fact]
    public async Task IssuanceHistoryPage_APageThatIsNotANumber_Is400_AsOutOfRangeOnesAre()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.OrgInstructor);
        var url = $"/classes/{world.Class.Id}/issuance-history";

        // Before, "abc" was dropped by the binding and the first page was shown, while "-5" was refused.
        var (notANumber, notANumberHtml) = await session.GetAsync($"{url}?page=abc");
        var (negative, _) = await session.GetAsync($"{url}?page=-5");
        var (first, firstHtml) = await session.GetAsync($"{url}?page=1");

        Assert.Equal(HttpStatusCode.BadRequest, notANumber);
        Assert.Contains("Something is wrong with that request", notANumberHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, negative);
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Contains("<h1>Issuance history</h1>", firstHtml, StringComparison.Ordinal);
    }

    private static List<Guid> HiddenIds(string html, string name) =>
        [.. Regex.Matches(html, $"<input type=\"hidden\" name=\"{name}\" value=\"([0-9a-f-]{{36}})\"").Select(m => Guid.Parse(m.Groups[1].Value))];
}
