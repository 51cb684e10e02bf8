using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Rosette.Domain;

namespace Rosette.Features.Errors;

/// <summary>
/// The HTML error page for browser requests: re-executed by the status code pages and the exception handler, or
/// reached directly (the cookie's access-denied path). It never shows exception details.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class ErrorPageModel : PageModel
{
    public int Code { get; private set; }

    public string Heading { get; private set; } = "";

    public string Explanation { get; private set; } = "";

    public string? Detail { get; private set; }

    public void OnGet(int? code) => Describe(code);

    /// <summary>
    /// Re-executed for an error answer, the page runs with the failed request's method, whatever it was (POST, PUT, DELETE):
    /// it describes the error before any handler, so that it has one to show even when it has no handler for that method,
    /// and shows it: for OPTIONS, Razor Pages would otherwise answer an empty 200 in place of the error (an unknown path's
    /// 404, a page's 405 with Allow), as if the resource existed and took the method (RFC 9110 sections 9.3.7, 15.5.5, 15.5.6).
    /// </summary>
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        if (context.HandlerMethod is null)
        {
            Describe(int.TryParse(RouteData.Values["code"]?.ToString(), out var code) ? code : null);
            if (HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null || HttpContext.Features.Get<IExceptionHandlerPathFeature>() is not null)
            {
                context.Result = Page();
            }
        }
    }

    private void Describe(int? code)
    {
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null
            || HttpContext.Features.Get<IExceptionHandlerPathFeature>() is not null;
        Code = code is >= 400 and <= 599 ? code.Value
            : Response.StatusCode >= 400 ? Response.StatusCode
            : StatusCodes.Status404NotFound;
        if (!reExecuted)
        {
            Response.StatusCode = Code;
        }
        (Heading, Explanation) = Code switch
        {
            400 => ("Something is wrong with that request", "The page could not understand what was sent. Go back, reload the page and try again."),
            403 => ("Access denied", "You are signed in, but you are not allowed to see this page."),
            404 => ("Page not found", "There is no such page, or it is not one you can see."),
            405 => ("Not possible here", "This page cannot be used that way. Go back, reload the page and try again."),
            413 => ("Too much data", "What was sent is larger than Rosette accepts."),
            429 => ("Too many attempts", "Wait a moment, then try again."),
            >= 500 => ("Something went wrong", "Something went wrong on our side. The error has been logged; please try again in a moment."),
            _ => ("That did not work", "The request could not be completed."),
        };
        Detail = HttpContext.Items[typeof(Error)] is Error error ? error.Message : null;
    }
}
