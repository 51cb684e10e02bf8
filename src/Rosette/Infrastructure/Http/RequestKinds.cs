using Microsoft.AspNetCore.Diagnostics;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Which requests are machine requests (answered with problem+json on error) and which are browser pages
/// (answered with an HTML error page). The one place that draws the line.
/// </summary>
public static class RequestKinds
{
    public static bool IsApi(this HttpRequest request) => IsApiPath(request.Path);

    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/health") || path.StartsWithSegments("/openapi");

    /// <summary>
    /// Whether an error the framework answers (an unknown route, a method not allowed, an exception) is problem+json rather
    /// than an HTML page: for the API and for the public documents verifiers read (<see cref="PublicDocuments"/>).
    /// </summary>
    public static bool AnswersWithProblems(PathString path) => IsApiPath(path) || PublicDocuments.IsPublicDocumentPath(path);

    /// <summary>The same for the request being answered, by its own path also once the exception handler has pointed it at the error page.</summary>
    public static bool AnswersWithProblems(HttpContext context) =>
        AnswersWithProblems(new PathString(context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path.Value));
}
