using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Refuses a body over the limit: a problem answer on the API, the "Too much data" page elsewhere. A declared length over
/// it is refused before anything reads the body, and a page marked <see cref="ShowsOversizedUploadAttribute"/> is shown
/// instead, by its GET handler, without the body (<see cref="WasRefused"/>). A body without a length (chunked) is counted
/// as it is read, and the request that reads past the limit gets the same answer, whatever its reader made of the failure.
/// </summary>
public sealed class RequestSizeLimit(RequestDelegate next)
{
    private static readonly object RefusedKey = new();

    /// <summary>Whether this request's body was over the limit and dropped unread (only on a page that shows that itself).</summary>
    public static bool WasRefused(HttpContext context) => context.Items.ContainsKey(RefusedKey);

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        // The error page re-executed for this very answer carries the same request: it must not be refused again, or the
        // answer stays an empty 413.
        if (context.Features.Get<IStatusCodeReExecuteFeature>() is not null)
        {
            await next(context);
            return;
        }
        // Kestrel's own limit fails the connection: once it has refused a body, the rest is never read, and a client still
        // sending (a browser uploading a file) sees a reset instead of the answer. So the body is limited here and Kestrel's
        // limit lifted: after the answer it discards what is left, for at most its drain timeout (5 s).
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (context.Request.ContentLength > Hosting.RosetteApp.MaxRequestBodyBytes)
        {
            if (limit is { IsReadOnly: false })
            {
                limit.MaxRequestBodySize = null;
            }
            if (!context.Request.IsApi() && context.GetEndpoint()?.Metadata.GetMetadata<ShowsOversizedUploadAttribute>() is not null)
            {
                // As a re-execution would: the page's GET, with nothing of what was posted, so nothing is read or stored.
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Items[RefusedKey] = true;
                context.Request.Method = HttpMethods.Get;
                context.Request.Body = Stream.Null;
                context.Request.ContentLength = 0;
                context.Request.ContentType = null;
                await next(context);
                return;
            }
            await RefuseAsync(context, problems);
            return;
        }
        if (context.Request.ContentLength is not null || limit is not { IsReadOnly: false }
            || context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true })
        {
            await next(context);
            return;
        }
        limit.MaxRequestBodySize = null;
        var body = new LimitedBody(context.Request.Body);
        context.Request.Body = body;
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException) when (body.Exceeded && !context.Response.HasStarted)
        {
        }
        if (body.Exceeded && !context.Response.HasStarted)
        {
            // Whatever its reader answered for the failed read (antiforgery a 400 on a form, an endpoint's binding nothing).
            context.Response.Clear();
            await RefuseAsync(context, problems);
        }
    }

    private static async Task RefuseAsync(HttpContext context, IProblemDetailsService problems)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        if (!context.Request.IsApi())
        {
            return; // the status code page answers in HTML (problem+json on a public document's path)
        }
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status413PayloadTooLarge,
            Detail = $"The request body is larger than {Hosting.RosetteApp.MaxRequestBodyBytes} bytes.",
        };
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    /// <summary>The request body, failing as Kestrel would (413) once more than the limit has been read.</summary>
    private sealed class LimitedBody(Stream inner) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > Hosting.RosetteApp.MaxRequestBodyBytes)
            {
                Exceeded = true;
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
