using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Infrastructure.Auth;

/// <summary>
/// An area only administrators use, declared once on its API group and page folder instead of in each handler. The
/// refusal is the area's own error, answered as the handler answered it: problem+json for the API, the HTML error page
/// with its message for pages. Rules that depend on the resource (which organization) stay in the domain.
/// </summary>
public sealed class AdministratorRequirement(ForbiddenError refusal) : IAuthorizationRequirement
{
    public ForbiddenError Refusal { get; } = refusal;

    public AuthorizationPolicy Policy() => new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(this).Build();
}

public static class AdministratorsOnly
{
    public static TBuilder RequireAdministrator<TBuilder>(this TBuilder builder, ForbiddenError refusal)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AdministratorRequirement(refusal).Policy());

    public static PageConventionCollection AuthorizeFolderForAdministrators(this PageConventionCollection conventions, string folder, ForbiddenError refusal)
    {
        var policy = new AdministratorRequirement(refusal).Policy();
        conventions.AddFolderApplicationModelConvention(folder, page => page.EndpointMetadata.Add(policy));
        return conventions;
    }

    public static PageConventionCollection AuthorizePageForAdministrators(this PageConventionCollection conventions, string page, ForbiddenError refusal)
    {
        var policy = new AdministratorRequirement(refusal).Policy();
        conventions.AddPageApplicationModelConvention(page, model => model.EndpointMetadata.Add(policy));
        return conventions;
    }

    public static IServiceCollection AddAdministratorsOnly(this IServiceCollection services) => services
        .AddSingleton<IAuthorizationHandler, AdministratorHandler>()
        .AddSingleton<IAuthorizationMiddlewareResultHandler, AdministratorRefusal>();
}

internal sealed class AdministratorHandler : AuthorizationHandler<AdministratorRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdministratorRequirement requirement)
    {
        if (context.Resource is HttpContext http && http.FindActor() is { IsAdministrator: true })
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

/// <summary>A signed-in caller refused by <see cref="AdministratorRequirement"/> gets the area's error; every other outcome is the default one.</summary>
internal sealed class AdministratorRefusal : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var refused = authorizeResult.Forbidden
            ? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<AdministratorRequirement>().FirstOrDefault()
            : null;
        if (refused is null)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        if (context.Request.IsApi())
        {
            await refused.Refusal.ToProblem().ExecuteAsync(context);
            return;
        }
        // As a page's ErrorPage answers: the status, with the error for the re-executed error page to show.
        context.Items[typeof(Error)] = refused.Refusal;
        context.Response.StatusCode = refused.Refusal.StatusCode();
    }
}
