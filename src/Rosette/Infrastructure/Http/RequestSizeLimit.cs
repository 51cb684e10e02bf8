using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Refuses a declared body over the limit before reading it: a problem answer on the API, the "Too much data" page
/// elsewhere, and a page marked <see cref="ShowsOversizedUploadAttribute"/> is shown instead, by its GET handler, without
/// the body (<see cref="WasRefused"/>). Kestrel enforces the same limit on bodies without a length (chunked), which then
/// reach the exception handler as a 413.
/// </summary>
public sealed class RequestSizeLimit(RequestDelegate next)
{
    private static readonly object RefusedKey = new();

    /// <summary>Whether this request's body was over the limit and dropped unread (only on a page that shows that itself).</summary>
    public static bool WasRefused(HttpContext context) => context.Items.ContainsKey(RefusedKey);

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        // The error page re-executed for this very answer carries the same declared length: it must not be refused again,
        // or the answer stays an empty 413.
        if (context.Request.ContentLength > Hosting.RosetteApp.MaxRequestBodyBytes && context.Features.Get<IStatusCodeReExecuteFeature>() is null)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            // Nothing here reads the body. Kestrel discards it after the answer, for at most its drain timeout (5 s), rather
            // than failing on the limit and resetting the connection: a client still sending (a browser uploading a file)
            // would see the reset instead of the answer.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = null;
            }
            if (!context.Request.IsApi())
            {
                if (context.GetEndpoint()?.Metadata.GetMetadata<ShowsOversizedUploadAttribute>() is not null)
                {
                    // As a re-execution would: the page's GET, with nothing of what was posted, so nothing is read or stored.
                    context.Items[RefusedKey] = true;
                    context.Request.Method = HttpMethods.Get;
                    context.Request.Body = Stream.Null;
                    context.Request.ContentLength = 0;
                    context.Request.ContentType = null;
                    await next(context);
                    return;
                }
                return; // the status code page answers in HTML
            }
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Detail = $"The request body is larger than {Hosting.RosetteApp.MaxRequestBodyBytes} bytes.",
            };
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
            return;
        }
        await next(context);
    }
}
