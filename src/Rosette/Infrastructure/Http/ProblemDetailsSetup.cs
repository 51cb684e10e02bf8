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
        // The framework's writer declines a request whose Accept names no JSON type, and its callers (status code pages, the
        // exception handler) then answer text/plain or nothing. RFC 9110 section 12.5.1 lets a server disregard an Accept it
        // cannot satisfy (section 15.5.7: 406 is for a server "unwilling to supply a default representation"): where errors
        // are problems, they are problem+json for any Accept.
        var framework = services.Single(d => d.ServiceType == typeof(IProblemDetailsWriter) && d.ImplementationType?.Name == "DefaultProblemDetailsWriter");
        services[services.IndexOf(framework)] = ServiceDescriptor.Singleton<IProblemDetailsWriter>(provider =>
            new AnyAcceptProblemWriter((IProblemDetailsWriter)ActivatorUtilities.CreateInstance(provider, framework.ImplementationType!)));
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

/// <summary>The framework's problem+json writer, also for an Accept without JSON on the API and the public documents.</summary>
internal sealed class AnyAcceptProblemWriter(IProblemDetailsWriter framework) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) =>
        RequestKinds.AnswersWithProblems(context.HttpContext) || framework.CanWrite(context);

    public ValueTask WriteAsync(ProblemDetailsContext context) => framework.WriteAsync(context);
}

internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true;
        }
        if (!RequestKinds.AnswersWithProblems(httpContext))
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
            // The request's own path: by now the exception handler has set Request.Path to its handling path (/error).
            var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, path);
        }
        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail };
        problem.Extensions["code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string Where(JsonException json) => json.Path is { Length: > 0 } path ? $" (at {path})" : "";
}
