using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Net.Http.Headers;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Issuance;
using Rosette.Domain.Webhooks;
using Rosette.Features.ApiKeys;
using Rosette.Features.Audit;
using Rosette.Features.Badges;
using Rosette.Features.Classes;
using Rosette.Features.Courses;
using Rosette.Features.Dashboard;
using Rosette.Features.Expiry;
using Rosette.Features.Organizations;
using Rosette.Features.Users;
using Rosette.Features.Providers;
using Rosette.Features.SingleSignOn;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Infrastructure.Pages;

/// <summary>
/// Razor Pages live beside their handlers in Features/. Every page needs a signed-in user unless it says otherwise
/// (log in, errors). Browser requests get HTML error pages; API requests keep problem+json.
/// </summary>
public static class PagesSetup
{
    public const string ErrorPath = "/error";

    public static IServiceCollection AddRosettePages(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Features";
            // Administrators-only pages, each with its area's refusal. A folder where every page is theirs is named once;
            // Classes, Users, Achievements and Issuance hold pages other roles use, so their administration pages are named one by one.
            o.Conventions.AuthorizeFolder("/", Policies.SignedIn)
                .AuthorizeFolderForAdministrators("/ApiKeys", ApiKeysHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Providers", ProvidersHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Badges", BadgesHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Courses", CoursesHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Organizations", OrganizationsHandler.ManagedByAdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Audit", AuditLogHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Dashboard", DashboardHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Expiry", ExpiringAwardsHandler.AdministratorsOnly)
                .AuthorizeFolderForAdministrators("/Webhooks", WebhookErrors.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Classes/ClassesPage", ClassesHandler.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Classes/NewClassPage", ClassesHandler.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Classes/ClassPage", ClassesHandler.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Classes/ImportRosterPage", RosterImportHandler.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Users/UsersPage", UsersHandler.ListedByAdministratorsOnly)
                .AuthorizePageForAdministrators("/Users/NewUserPage", UsersHandler.CreatedByAdministratorsOnly)
                .AuthorizePageForAdministrators("/Users/UserPage", UsersHandler.ManagedByAdministratorsOnly)
                .AuthorizePageForAdministrators("/Achievements/AchievementsPage", AchievementErrors.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Achievements/AchievementPage", AchievementErrors.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Achievements/EditAchievementPage", AchievementErrors.AdministratorsOnly)
                .AuthorizePageForAdministrators("/Issuance/IssueFromCourseAssignmentPage", IssuanceErrors.CourseAssignmentAdministratorsOnly)
                .AuthorizePageForAdministrators("/SingleSignOn/ConnectionPage", SignInConnectionsHandler.AdministratorsOnly);
            // The public credential page is read only. Any other method answers 405 with Allow (not antiforgery's 400), and
            // routing answers 405 for the documents beside it (/credentials/{id}.json...) too: a page that takes every
            // method would be routing's candidate for them, and its failed guid constraint a 404.
            o.Conventions.AddPageRouteModelConvention("/Credentials/CredentialPage", page =>
            {
                foreach (var selector in page.Selectors)
                {
                    selector.EndpointMetadata.Add(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
                }
            });
        }).AddMvcOptions(o => o.Filters.Add(new PageRequestFilter()));
        return services;
    }

    /// <summary>Error handling for the whole app: problem+json for the API, HTML pages for the rest.</summary>
    public static WebApplication UseRosetteErrorPages(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // API and public document exceptions are written as problem+json by ProblemExceptionHandler; pages re-execute /error.
            ExceptionHandlingPath = ErrorPath,
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        // The outer one re-executes /error/{code} for an empty error answer; the inner one has already given every API
        // and public document answer (RequestKinds.AnswersWithProblems) a problem+json body, which the outer one leaves alone. (Re-execution must be registered on the app
        // itself, not in a branch: only there does it route the new path.)
        app.UseStatusCodePagesWithReExecute(ErrorPath + "/{0}");
        app.UseWhen(c => RequestKinds.AnswersWithProblems(c.Request.Path), api => api.UseStatusCodePages());
        return app;
    }

    /// <summary>Static files, the headers every HTML page carries, and nosniff on every answer.</summary>
    public static WebApplication UseRosettePageAssets(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                // Every answer is served as the type it declares (JSON, CSV, images, pages): no browser guesses another.
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
                    && !headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
                {
                    // No inline script or style: markup that slipped into a name could not run even if it were not encoded. The
                    // one HTML answer under /api, the API reference, is the library's page: its inline start-up script and
                    // styles are allowed, nothing from elsewhere, and it is framed by no site either.
                    headers[HeaderNames.ContentSecurityPolicy] = context.Request.IsApi()
                        ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
                        : "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
                    headers["Referrer-Policy"] = "same-origin";
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseStaticFiles();
        return app;
    }

    /// <summary>
    /// A domain error as a page answer: its status, rendered by the HTML error page, which shows the error's message.
    /// </summary>
    public static IActionResult ErrorPage(this PageModel page, Error error)
    {
        page.HttpContext.Items[typeof(Error)] = error;
        return new StatusCodeResult(error.StatusCode());
    }

    /// <summary>The same for an endpoint that serves browsers (a download): the HTML error page with the error's message.</summary>
    public static IResult ErrorPage(this HttpContext context, Error error)
    {
        context.Items[typeof(Error)] = error;
        return Results.StatusCode(error.StatusCode());
    }
}
