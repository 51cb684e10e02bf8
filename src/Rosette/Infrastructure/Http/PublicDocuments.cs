using Microsoft.Net.Http.Headers;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// The public, sign-in-free documents that verifiers and wallets fetch, often from a page on another origin: credentials,
/// status and revocation lists, issuer profiles, keys, badge images. They answer GET and HEAD only, and any origin may read
/// them (CORS, with no credentials); the API and the pages are not readable from other origins.
/// </summary>
public static class PublicDocuments
{
    public const string CorsPolicy = "PublicDocuments";

    public static IServiceCollection AddPublicDocuments(this IServiceCollection services) =>
        services.AddCors(o => o.AddPolicy(CorsPolicy, policy => policy
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Get, HttpMethods.Head)
            // Accept chooses a status list's media type; a fetch sets it, and a long value is no longer CORS-safelisted.
            .WithHeaders(HeaderNames.Accept, HeaderNames.AcceptLanguage)
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));

    /// <summary>
    /// Anonymous, GET and HEAD (<see cref="HeadRequests.AnswerHead"/>), readable from any origin: a preflight is answered by
    /// the CORS middleware with this policy, and every answer, error or not, carries <c>Access-Control-Allow-Origin: *</c>,
    /// also without an <c>Origin</c> header, so that a shared cache never stores a copy without it (Fetch standard,
    /// "CORS protocol and HTTP caches"). Other methods answer 405 with <c>Allow</c>.
    /// </summary>
    public static TBuilder AsPublicDocument<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AllowAnonymous().AnswerHead().RequireCors(CorsPolicy).AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.AccessControlAllowOrigin = "*";
            return await next(context);
        });
        return builder;
    }

    /// <summary>
    /// Whether a path is one of these documents' (mapped with <see cref="AsPublicDocument"/>), known before routing:
    /// <c>/ob2/...</c>, <c>/ob3/...</c>, <c>/.well-known/...</c>, <c>/credentials/{id}.{extension}</c> (not the HTML page
    /// <c>/credentials/{id}</c>) and <c>/badges/{id}/image</c>. A test holds it to the endpoints that carry the policy.
    /// </summary>
    public static bool IsPublicDocumentPath(PathString path) =>
        path.StartsWithSegments("/ob2") || path.StartsWithSegments("/ob3") || path.StartsWithSegments("/.well-known")
        || (path.StartsWithSegments("/credentials", out var document) && document.Value is { } name
            && name.LastIndexOf('/') == 0 && name.Contains('.', StringComparison.Ordinal))
        || (path.StartsWithSegments("/badges", out var badge) && badge.Value is { } rest
            && rest.EndsWith("/image", StringComparison.OrdinalIgnoreCase) && rest.Count(c => c == '/') == 2);
}
