using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// Bodies over the request limit on the real server (Kestrel enforces the limit on a body without a length): a chunked body
/// gets the answer a declared length gets, read by the client rather than a reset connection.
/// </summary>
public sealed class RequestSizeLimitTests(KestrelAppFixture app) : IClassFixture<KestrelAppFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ApiPost_BodyOverTheLimit_Chunked_Answers413ProblemAsADeclaredLengthDoes_AndStoresNothing(bool chunked)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var email = $"big.{Guid.NewGuid():N}@rosette.test";

        using var response = await admin.PostAsync("/api/v1/users", new GeneratedJson(email, RosetteApp.MaxRequestBodyBytes + 1024 * 1024, chunked));

        // RFC 9110 section 15.5.14: 413 Content Too Large.
        await response.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.False(await app.Factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    /// <summary>The event ingest binds its body itself (ActivityEventBatch.BindAsync): the limit answers there as for any body.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ActivityEvents_BodyOverTheLimit_Answers413_AndStoresNothing(bool chunked)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        using var response = await admin.PostAsync(Achieve.EventsUrl, new GeneratedJson($"big.{Guid.NewGuid():N}@rosette.test", RosetteApp.MaxRequestBodyBytes + 1024 * 1024, chunked));

        await response.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.False(await app.Factory.WithDbAsync(db => db.ActivityEvents.AnyAsync(e => e.PostedById == world.AdminA.Id)));
    }

    [Fact]
    public async Task ApiPost_ChunkedBodyOverTheLimit_SentWholeBeforeReading_GetsThe413_NotAReset()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
        var stream = tcp.GetStream();

        // As a simple client sends: the whole body first (16 MB past the limit, more than the sockets' buffers hold), then
        // the answer is read. Before, Kestrel closed the connection at the limit and the writes failed with a reset.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/users HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nAuthorization: {admin.DefaultRequestHeaders.Authorization}\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nE\r\n{\"firstName\":\"\r\n"));
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string('x', 0x10000)}\r\n");
        for (var sent = 0L; sent < RosetteApp.MaxRequestBodyBytes + 16 * 1024 * 1024; sent += 0x10000)
        {
            await stream.WriteAsync(chunk);
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes("2\r\n\"}\r\n0\r\n\r\n"));
        var answer = await ReadAnswerAsync(stream);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"code\":\"payload_too_large\"", answer, StringComparison.Ordinal);
    }

    /// <summary>One HTTP/1.1 answer: its head and its body, whole (with a length, or chunked up to the last chunk).</summary>
    private static async Task<string> ReadAnswerAsync(NetworkStream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[8192];
        while (!Complete(text.ToString()))
        {
            var read = await stream.ReadAsync(buffer);
            Assert.True(read > 0, $"The connection closed before the answer was whole: {text}");
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return text.ToString();

        static bool Complete(string answer)
        {
            var end = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }
            var length = System.Text.RegularExpressions.Regex.Match(answer[..end], @"(?im)^Content-Length:\s*(\d+)");
            return length.Success ? answer.Length - end - 4 >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
                : answer.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ApiPost_ChunkedBodyUnderTheLimit_IsRead()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        // Under the limit the body reaches the endpoint, which reads it whole (a user with a 3 MB first name is invalid).
        using var response = await admin.PostAsync("/api/v1/users", new GeneratedJson($"small.{Guid.NewGuid():N}@rosette.test", 3 * 1024 * 1024, chunked: true));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PagePost_ChunkedBodyOverTheLimit_IsTheTooMuchDataPage()
    {
        var world = await app.NewWorldAsync();
        using var session = await PageSession.SignInAsync(app.Factory, world.AdminRoot, app.BaseAddress);
        await session.GetAsync("/admin/classes/new");

        // A form whose file part has no length: the whole body is chunked, and antiforgery reads it to find the token.
        var form = new MultipartFormDataContent { { new StringContent(session.Token!), "__RequestVerificationToken" } };
        form.Add(new GeneratedJson("x@rosette.test", RosetteApp.MaxRequestBodyBytes + 1024 * 1024, chunked: true), "file", "big.json");
        using var response = await session.PostAsync("/admin/classes/new", form);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Too much data", html, StringComparison.Ordinal);
    }

    /// <summary>A user to create whose first name makes the body about the length given, written in pieces; without a length (chunked) unless told.</summary>
    private sealed class GeneratedJson : HttpContent
    {
        private readonly string _email;
        private readonly long _length;
        private readonly bool _chunked;
        private static readonly byte[] Piece = Encoding.UTF8.GetBytes(new string('x', 64 * 1024));

        public GeneratedJson(string email, long length, bool chunked)
        {
            (_email, _length, _chunked) = (email, length, chunked);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        private byte[] Head => Encoding.UTF8.GetBytes($"{{\"email\":\"{_email}\",\"lastName\":\"Big\",\"role\":\"student\",\"firstName\":\"");

        private static readonly byte[] Tail = Encoding.UTF8.GetBytes("\"}");

        private long Pieces => (_length + Piece.Length - 1) / Piece.Length;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Head);
            for (var i = 0L; i < Pieces; i++)
            {
                await stream.WriteAsync(Piece);
            }
            await stream.WriteAsync(Tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Head.Length + Pieces * Piece.Length + Tail.Length;
            return !_chunked;
        }
    }
}
