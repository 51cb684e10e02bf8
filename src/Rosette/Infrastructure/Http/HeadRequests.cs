namespace Rosette.Infrastructure.Http;

public static class HeadRequests
{
    /// <summary>
    /// The endpoints answer HEAD as they answer GET, without the body (Kestrel sends none for HEAD): RFC 9110 section 9.1
    /// asks every general-purpose server to support both, and link checkers, share previews and verifiers probe with HEAD.
    /// A GET-only endpoint otherwise answers HEAD with 405, or leaves the path to another endpoint's route.
    /// </summary>
    public static TBuilder AnswerHead<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get) && !methods.HttpMethods.Contains(HttpMethods.Head))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head]));
            }
        });
        return builder;
    }
}
