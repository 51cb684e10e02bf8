using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Uploads to the roster import page over the real server, whose request body limit is Kestrel's.</summary>
public sealed class RosterImportPageTests(KestrelAppFixture app) : IClassFixture<KestrelAppFixture>
{
    private const string FileTooLarge = "The file is larger than 2 MB: split it.";

    [Fact]
    public async Task ImportRosterPage_UploadOverTheRequestLimit_IsThePageWithTheFormsMessage_AndStoresNothing()
    {
        var world = await app.NewWorldAsync();
        var email = $"big.{Guid.NewGuid():N}@rosette.test";
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot, app.BaseAddress);
        var url = $"/admin/classes/{world.Class.Id}/import";
        await session.GetAsync(url);

        // Before, the upload over the limit was an empty 413: the error page re-executed for it was refused for the same length.
        using var overLimit = await session.PostAsync($"{url}?handler=Preview", Upload(session, email, RosetteApp.MaxRequestBodyBytes + 1024 * 1024));
        var overLimitHtml = await overLimit.Content.ReadAsStringAsync();
        using var underLimit = await session.PostAsync($"{url}?handler=Preview", Upload(session, email, 3 * 1024 * 1024));
        var underLimitHtml = await underLimit.Content.ReadAsStringAsync();

        // RFC 9110 section 15.5.14: 413 Content Too Large, here with the page that says what to do.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overLimit.StatusCode);
        Assert.Equal("text/html", overLimit.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>Import roster</h1>", overLimitHtml, StringComparison.Ordinal);
        Assert.Contains($"id=\"File-error\">{FileTooLarge}</span>", overLimitHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, underLimit.StatusCode);
        Assert.Contains($"id=\"File-error\">{FileTooLarge}</span>", underLimitHtml, StringComparison.Ordinal);
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task AnotherPage_PostOverTheRequestLimit_IsTheTooMuchDataPage_NotAnEmptyAnswer()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot, app.BaseAddress);
        await session.GetAsync("/admin/classes/new");

        // Sent whole, as a browser sends a form: the client reads the answer, not a reset connection.
        using var response = await session.PostAsync("/admin/classes/new", Upload(session, "x@rosette.test", RosetteApp.MaxRequestBodyBytes + 1024 * 1024));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Too much data", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<h1>Create class</h1>", html, StringComparison.Ordinal);
    }

    /// <summary>The form a browser posts: the antiforgery token and a CSV file of about <paramref name="length"/> bytes, made as it is sent.</summary>
    private static MultipartFormDataContent Upload(PageSession session, string email, long length)
    {
        var form = new MultipartFormDataContent { { new StringContent(session.Token!), "__RequestVerificationToken" } };
        var file = new GeneratedCsv(email, length);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "roster.csv");
        return form;
    }

    /// <summary>A header, a student row that would be imported, then the same row again up to the length: written in small pieces, never held whole.</summary>
    private sealed class GeneratedCsv(string email, long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"email,first name,last name\n{email},Big,Upload\n"));
            var rows = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"{email},Big,Upload\n", 1000)));
            for (var written = 0L; written < length; written += rows.Length)
            {
                await stream.WriteAsync(rows);
            }
        }

        protected override bool TryComputeLength(out long size)
        {
            var first = Encoding.UTF8.GetByteCount($"email,first name,last name\n{email},Big,Upload\n");
            var rows = Encoding.UTF8.GetByteCount(string.Concat(Enumerable.Repeat($"{email},Big,Upload\n", 1000)));
            size = first + (length + rows - 1) / rows * rows;
            return true;
        }
    }
}
