using System.Net;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The Issue Badges page over HTTP: the result download's forwarding address.</summary>
public sealed class IssueBadgesPageTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static string PageUrl(World world) => $"/classes/{world.Class.Id}/issue-badges";

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
}
