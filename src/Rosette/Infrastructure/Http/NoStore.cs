using Microsoft.Net.Http.Headers;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Answers that carry tokens or personal data are never stored by a browser or a shared cache: every API answer (tokens,
/// users, rosters...) and every page, download or JSON answer to a signed-in user is <c>Cache-Control: no-store</c>,
/// unless the endpoint chose its own caching (public badge images, credentials).
/// </summary>
public static class NoStore
{
    private static readonly string[] PrivateTypes = ["text/html", "application/json", "application/problem+json", "text/csv"];

    public static WebApplication UseNoStoreForPrivateAnswers(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var response = context.Response;
                if (!response.Headers.ContainsKey(HeaderNames.CacheControl)
                    && (context.Request.IsApi() || (context.User.Identity?.IsAuthenticated == true
                        && PrivateTypes.Any(t => response.ContentType?.StartsWith(t, StringComparison.OrdinalIgnoreCase) == true))))
                {
                    response.Headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
