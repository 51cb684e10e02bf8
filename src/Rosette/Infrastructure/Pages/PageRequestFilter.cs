using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Net.Http.Headers;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Infrastructure.Pages;

/// <summary>
/// Requests no page handler can serve, refused before the page runs, for every page at once:
/// <list type="bullet">
/// <item>a method the page has no handler for (a POST to a page that only shows something): 405 with <c>Allow</c>.
/// Before, the page was rendered without its handler having run, and failed on its unset model (500);</item>
/// <item>a handler name (the <c>handler</c> route value or query parameter, as Razor Pages reads it) that names no handler of
/// the method: 404. Razor Pages would run the method's unnamed handler instead: <c>POST /webhooks?handler=Bogus</c> created a
/// webhook endpoint, and a form whose handler was renamed would silently do the page's other action;</item>
/// <item>a form value that does not convert to its field's type ("yes" for a checkbox, text for a date or an id): 400 with
/// the field's message. Before, the field was left at its default, and the handler went on with it (a checkbox saved as
/// unticked), or the page failed when it showed the value again (500). A browser sends only values its controls produce,
/// so this is what a hand-made request gets.</item>
/// <item>on a page that shows something, a <c>page</c> or <c>pageSize</c> in the query that is not a number: 400, as a page
/// out of range is. Before, the binding dropped it and the first page was shown under a URL that named another.</item>
/// </list>
/// The error pages themselves (re-executed for an error answer, with the original request's method) are left alone, and so
/// is the page shown by its GET for an upload over the request limit (<see cref="RequestSizeLimit.WasRefused"/>), whose
/// query still names the POST's handler.
/// </summary>
public sealed class PageRequestFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (http.Features.Get<IStatusCodeReExecuteFeature>() is not null || http.Features.Get<IExceptionHandlerPathFeature>() is not null
            || RequestSizeLimit.WasRefused(http))
        {
            return next();
        }
        var reads = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (context.HandlerMethod is null && (!reads || context.ActionDescriptor.HandlerMethods.Count > 0))
        {
            var method = reads ? HttpMethods.Get : http.Request.Method;
            if (context.ActionDescriptor.HandlerMethods.Any(h => string.Equals(h.HttpMethod, method, StringComparison.OrdinalIgnoreCase)))
            {
                context.Result = new NotFoundResult();
                return Task.CompletedTask;
            }
            var allowed = context.ActionDescriptor.HandlerMethods.Select(h => h.HttpMethod.ToUpperInvariant()).Distinct().ToList();
            if (allowed.Contains(HttpMethods.Get))
            {
                allowed.Add(HttpMethods.Head);
            }
            http.Response.Headers[HeaderNames.Allow] = string.Join(", ", allowed);
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
            return Task.CompletedTask;
        }
        if (RequestedHandler(context) is { } name && !string.Equals(context.HandlerMethod?.Name, name, StringComparison.OrdinalIgnoreCase))
        {
            context.Result = new NotFoundResult();
            return Task.CompletedTask;
        }
        if (Unconvertible(context.ModelState, reads ? PagingKeys : null) is { Count: > 0 } messages)
        {
            var error = new InvalidError(InvalidError.ValidationFailed, string.Join(" ", messages));
            http.Items[typeof(Error)] = error;
            context.Result = new StatusCodeResult(error.StatusCode());
            return Task.CompletedTask;
        }
        return next();
    }

    /// <summary>The handler name the request asks for, read where Razor Pages reads it: the route value, then the query.</summary>
    private static string? RequestedHandler(PageHandlerExecutingContext context)
    {
        var name = Convert.ToString(context.RouteData.Values["handler"], CultureInfo.InvariantCulture);
        if (string.IsNullOrEmpty(name) && context.HttpContext.Request.Query.TryGetValue("handler", out var values))
        {
            name = values[0];
        }
        return string.IsNullOrEmpty(name) ? null : name;
    }

    /// <summary>The paging parameters of the lists (<c>PageRequest</c>), refused alike on every page that reads them.</summary>
    private static readonly string[] PagingKeys = ["page", "pageSize"];

    /// <summary>
    /// The messages of values that failed to convert. Rosette's forms declare no validation attributes beyond a required
    /// sign-in email, whose failure has no value, so an error on a field that was given a value is a failed conversion.
    /// </summary>
    private static List<string> Unconvertible(ModelStateDictionary state, string[]? onlyKeys) =>
        state.Where(e => e.Value is { ValidationState: ModelValidationState.Invalid } entry && !string.IsNullOrWhiteSpace(entry.AttemptedValue)
                && (onlyKeys is null || onlyKeys.Contains(e.Key, StringComparer.OrdinalIgnoreCase)))
            .SelectMany(e => e.Value!.Errors.Select(error => error.ErrorMessage))
            .Where(message => message.Length > 0)
            .Distinct()
            .ToList();
}
