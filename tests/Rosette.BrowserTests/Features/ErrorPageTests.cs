using System.Net;
using Microsoft.Playwright;
using Rosette.BrowserTests.Infrastructure;
using Rosette.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Rosette.BrowserTests.Features;

public sealed class ErrorPageTests(BrowserApp app, Chromium chromium) : BrowserTest(app, chromium), IClassFixture<BrowserApp>
{
    [Fact]
    public async Task UnknownPage_ShowsTheHtml404Page()
    {
        var page = await NewPageAsync();

        var response = await page.GotoAsync("/no/such/page");

        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Go to the home page" })).ToHaveAttributeAsync("href", "/");
        await AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "404");
    }

    [Fact]
    public async Task PageException_ShowsThe500PageWithoutDetails()
    {
        var page = await NewPageAsync();

        var response = await page.GotoAsync(RosetteFactory.FailingPath);

        Assert.Equal(500, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Something went wrong", Level = 1 })).ToBeVisibleAsync();
        var html = await page.ContentAsync();
        Assert.DoesNotContain(RosetteFactory.FailureSecret, html, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", html, StringComparison.Ordinal);
        await AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task FormPostWithoutAntiforgeryToken_Gets400Page()
    {
        var world = await NewWorldAsync();
        using var client = App.Factory.CreateClient();

        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = world.AdminRoot.Email,
            ["Password"] = World.Password,
        }));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Something is wrong with that request", html, StringComparison.Ordinal);
        Assert.DoesNotContain("rosette.auth", string.Join(';', response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : []), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessDeniedPath_RendersThe403Page()
    {
        var page = await NewPageAsync();

        var response = await page.GotoAsync("/error/403");

        Assert.Equal(403, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Access denied", Level = 1 })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ApiErrors_StayProblemJson_AndApiIsNeverRedirectedToLogIn()
    {
        using var client = App.Factory.CreateClient(new() { BaseAddress = App.BaseAddress, AllowAutoRedirect = false });

        var unknown = await client.GetAsync("/api/v1/nothing-here");
        var anonymous = await client.GetAsync("/api/v1/classes");

        await unknown.IsProblemAsync(HttpStatusCode.NotFound, "not_found");
        await anonymous.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
