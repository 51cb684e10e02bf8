using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Every API error answer is problem+json with a stable <c>code</c>: errors the app returns, requests the framework
/// refuses (malformed JSON, oversized bodies, unknown routes) and bugs alike, never with a stack trace. Browser pages
/// get HTML error pages instead (see <see cref="Pages.PagesSetup"/>).
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddRosetteProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.TryAdd("code", CodeFor(problem.Status ?? context.HttpContext.Response.StatusCode));
            problem.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
            problem.Extensions.Remove("exception");
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    public static string CodeFor(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "too_many_requests",
        _ when status >= 500 => "internal_error",
        _ => "error",
    };
}

internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        // The middleware has already pointed the request at the error page's path; the request's own path decides.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
        if (!RequestKinds.AnswersWithProblems(new PathString(path)))
        {
            // A page: the exception handler re-executes the HTML error page (logged there by the middleware).
            return false;
        }
        var (status, code, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (400, "invalid_json", $"The request body is not valid JSON for this endpoint{Where(json)}."),
            BadHttpRequestException { StatusCode: 413 } => (413, "payload_too_large", "The request body is too large."),
            BadHttpRequestException bad when bad.Message.Contains("JSON", StringComparison.Ordinal) =>
                (bad.StatusCode, "invalid_json", "The request body is not valid JSON for this endpoint."),
            BadHttpRequestException bad => (bad.StatusCode, ProblemDetailsSetup.CodeFor(bad.StatusCode), "The request is malformed."),
            _ => (500, "internal_error", "Something went wrong on our side. The error has been logged."),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail };
        problem.Extensions["code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string Where(JsonException json) => json.Path is { Length: > 0 } path ? $" (at {path})" : "";
}
