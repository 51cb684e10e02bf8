using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.BrowserTests.Infrastructure;

/// <summary>
/// A test that uses the app as a person does: a fresh browser context (no cookies) per page, helpers to log in,
/// check accessibility with axe-core and save screenshots under artifacts/screenshots.
/// </summary>
public abstract class BrowserTest(BrowserApp app, Chromium chromium) : IAsyncDisposable
{
    public const int PhoneWidth = 375;

    private static readonly string ScreenshotFolder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<IPage> _pages = [];
    private readonly List<string> _dialogs = [];

    protected BrowserApp App => app;

    protected Task<World> NewWorldAsync() => app.NewWorldAsync();

    /// <summary>A new tab in a new, cookie-less browser context, at desktop or phone width.</summary>
    protected async Task<IPage> NewPageAsync(int width = 1280, bool javaScript = true)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = width < 600 ? 740 : 900 },
            Locale = "en-US",
            JavaScriptEnabled = javaScript,
            AcceptDownloads = true,
        });
        _contexts.Add(context);
        // Actions and navigations wait for the page as long as expectations do (Playwright's own default is 30 s).
        context.SetDefaultTimeout((float)Patience.Bound.TotalMilliseconds);
        var page = await context.NewPageAsync();
        // Markup in data must never run: any dialog (alert) fails the test that opened it, when the test ends.
        page.Dialog += (_, dialog) =>
        {
            _dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        _pages.Add(page);
        return page;
    }

    /// <summary>Logs in through the log-in page and waits for the page it lands on.</summary>
    protected async Task<IPage> LogInAsync(User user, int width = 1280, string path = "/")
    {
        var page = await NewPageAsync(width);
        await page.GotoAsync(path);
        if (!page.Url.Contains("/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("/login");
        }
        await SubmitLogInAsync(page, user.Email, World.Password);
        // Polls the address rather than waiting for the next page's load event, which Chromium now and then does not report.
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/login"));
        return page;
    }

    protected static async Task SubmitLogInAsync(IPage page, string email, string password)
    {
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
    }

    /// <summary>The axe-core script that Deque.AxeCore bundles (the version its package pins).</summary>
    private static readonly string AxeScript = new BundledAxeScriptProvider().GetScript();

    /// <summary>No serious or critical axe-core violation on the page as it is now.</summary>
    /// <remarks>
    /// On a page without frames (every page of Rosette), axe-core's own <c>axe.run</c> on the document, with every rule it
    /// enables by default: Deque's <c>RunAxe</c> runs axe in each frame and then finishes the run in a new blank page of the
    /// context, which made each check cost about a second and a renderer process (see ADR 0004). A page with frames is
    /// checked by <c>RunAxe</c>.
    /// </remarks>
    protected static async Task AssertAccessibleAsync(IPage page)
    {
        if (page.Frames.Count > 1)
        {
            var result = await page.RunAxe();
            AssertNoSerious(page, result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"- {v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}"));
            return;
        }
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeScript);
        }
        AssertNoSerious(page, await page.EvaluateAsync<string[]>(
            """
            async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `- ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
            """));
    }

    private static void AssertNoSerious(IPage page, IEnumerable<string> violations)
    {
        var serious = violations.ToList();
        Assert.True(serious.Count == 0, $"axe found on {page.Url}:\n" + string.Join('\n', serious));
    }

    /// <summary>The page fits the viewport: nothing scrolls sideways (responsive down to a phone's width).</summary>
    protected static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{page.Url} scrolls sideways by {overflow}px");
    }

    /// <summary>Saves a full-page screenshot as artifacts/screenshots/{test class}.{name}.png.</summary>
    protected async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{GetType().Name}.{name}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            var test = TestContext.Current.TestMethod?.MethodName ?? "test";
            for (var i = 0; i < _pages.Count; i++)
            {
                if (!_pages[i].IsClosed)
                {
                    await ScreenshotAsync(_pages[i], $"{test}.failed-{i}");
                }
            }
        }
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
        GC.SuppressFinalize(this);
        Assert.True(_dialogs.Count == 0, $"A script opened a dialog: {string.Join(", ", _dialogs)}");
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Rosette.slnx")))
            {
                return folder.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
