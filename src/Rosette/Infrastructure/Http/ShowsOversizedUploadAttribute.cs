namespace Rosette.Infrastructure.Http;

/// <summary>
/// On a page with an upload form: a post whose body is over the request limit gets the page again, from its GET handler,
/// which says so beside the form (<see cref="RequestSizeLimit.WasRefused"/>), rather than the bare error page.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShowsOversizedUploadAttribute : Attribute;
