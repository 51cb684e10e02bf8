using Microsoft.Playwright;
using Rosette.Tests.Infrastructure;

[assembly: AssemblyFixture(typeof(Rosette.BrowserTests.Infrastructure.Chromium))]

namespace Rosette.BrowserTests.Infrastructure;

/// <summary>
/// One headless Debian Chromium for the whole run, driven by Playwright. The browser is the machine's: Chromium's headless
/// shell (<c>/usr/bin/chromium-headless-shell</c>, Debian's package of the same build, installed by test.sh), the browser
/// Playwright itself runs headless tests in; Playwright never downloads one. It does the suite's work with half the CPU
/// of the full browser's headless mode (docs/decisions/0004-pages-and-browser-tests.md).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium-headless-shell";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: run ./test.sh, which installs Debian's chromium-headless-shell package.");
        }
        // A bound on waiting for a state, not a timing of the app: a passing expectation returns as soon as the state is there.
        Assertions.SetDefaultExpectTimeout((float)Patience.Bound.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
