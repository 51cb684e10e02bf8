using Rosette.BrowserTests.Infrastructure;
using Xunit.Sdk;

namespace Rosette.BrowserTests.Features;

/// <summary>
/// The accessibility check every page test relies on (<see cref="BrowserTest.AssertAccessibleAsync"/>) fails on a serious
/// or critical axe-core violation, on a page with frames as on one without, and passes a page whose only violations are
/// moderate.
/// </summary>
public sealed class AccessibilityCheckTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    private const string Clean = """<!doctype html><html lang="en"><head><title>Clean</title></head><body><main><h1>Clean</h1><p>Text.</p></main></body></html>""";

    [Fact]
    public async Task SeriousAndCriticalViolations_FailTheCheck_WithTheRuleAndTheElement()
    {
        var page = await NewPageAsync();
        await page.SetContentAsync(Clean);
        await AssertAccessibleAsync(page);

        // image-alt and button-name are critical in axe-core; checked again on the same page, with axe already loaded.
        await page.EvaluateAsync("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img id=\"logo\" src=\"data:,\"><button id=\"go\"></button>')");
        var failure = await Assert.ThrowsAsync<TrueException>(() => AssertAccessibleAsync(page));

        Assert.Contains("- image-alt (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#logo", failure.Message, StringComparison.Ordinal);
        Assert.Contains("- button-name (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#go", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModerateViolationsOnly_PassTheCheck()
    {
        var page = await NewPageAsync();
        // Content outside every landmark breaks the moderate "region" rule, and nothing serious.
        await page.SetContentAsync("""<!doctype html><html lang="en"><head><title>Moderate</title></head><body><main><h1>Moderate</h1></main><p>Outside.</p></body></html>""");

        await AssertAccessibleAsync(page);

        // The page does break a rule: the check passed it because the rule is moderate.
        Assert.Contains("region:moderate", await page.EvaluateAsync<string[]>("async () => (await axe.run(document)).violations.map(v => `${v.id}:${v.impact}`)"));
    }

    [Fact]
    public async Task APageWithAFrame_IsCheckedInsideTheFrame()
    {
        var page = await NewPageAsync();
        await page.SetContentAsync("""<!doctype html><html lang="en"><head><title>Framed</title></head><body><main><h1>Framed</h1><iframe title="Inner" srcdoc="<!doctype html><html lang='en'><title>Inner</title><img id='inner-logo' src='data:,'></html>"></iframe></main></body></html>""");
        Assert.Equal(2, page.Frames.Count);

        var failure = await Assert.ThrowsAsync<TrueException>(() => AssertAccessibleAsync(page));

        Assert.Contains("- image-alt (critical)", failure.Message, StringComparison.Ordinal);
    }
}
