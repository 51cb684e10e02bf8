using Microsoft.AspNetCore.Mvc;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Refuses a declared body over the limit before reading it, with a problem answer. Kestrel enforces the same
/// limit on bodies without a length (chunked), which then reach the exception handler as a 413.
/// </summary>
public sealed class RequestSizeLimit(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        if (context.Request.ContentLength > Hosting.RosetteApp.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            if (!context.Request.IsApi())
            {
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
