using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Rosette.Data;
using Rosette.Domain;

namespace Rosette.Infrastructure.Auth;

/// <summary>
/// Turns the authenticated principal into the domain's <see cref="Actor"/>, read fresh from the database on
/// every request: a deactivated user, or one whose security stamp changed (password reset), is anonymous at once
/// on every instance, whatever cookie or token they still hold.
/// </summary>
public sealed class ActorMiddleware(RequestDelegate next)
{
    private static readonly Func<RosetteDb, Guid, CancellationToken, Task<ActorRow?>> LoadActor =
        EF.CompileAsyncQuery((RosetteDb db, Guid id, CancellationToken _) => db.Users
            .Where(u => u.Id == id && u.IsActive)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new ActorRow(
                u.Id, u.Role, u.OrganizationId, o.Path, u.IsSystemAdministrator, u.SecurityStamp))
            .SingleOrDefault());

    public async Task InvokeAsync(HttpContext context, RosetteDb db, IOptions<IdentityOptions> identity)
    {
        // An API key's actor was made by its handler, from the key's own row.
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: not ApiKeyAuthenticationHandler.SchemeName })
        {
            var actor = await ReadAsync(context.User, db, identity.Value, context.RequestAborted);
            if (actor is null)
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity());
            }
            else
            {
                context.Items[typeof(Actor)] = actor;
            }
        }
        await next(context);
    }

    private static async Task<Actor?> ReadAsync(ClaimsPrincipal principal, RosetteDb db, IdentityOptions identity, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(principal.FindFirstValue(identity.ClaimsIdentity.UserIdClaimType), out var userId))
        {
            return null;
        }
        var row = await LoadActor(db, userId, cancellationToken);
        var stamp = principal.FindFirstValue(identity.ClaimsIdentity.SecurityStampClaimType);
        if (row is null || stamp != row.SecurityStamp)
        {
            return null;
        }
        return new Actor(row.Id, row.Role, row.OrganizationId, row.Path, row.IsSystemAdministrator);
    }

    private sealed record ActorRow(
        Guid Id, Domain.Users.UserRole Role, Guid OrganizationId, string Path, bool IsSystemAdministrator, string SecurityStamp);
}

public static class ActorHttpContextExtensions
{
    /// <summary>The signed-in actor; only called behind an authorization requirement, so its absence is a bug.</summary>
    public static Actor GetActor(this HttpContext context) =>
        context.Items[typeof(Actor)] as Actor ?? throw new InvalidOperationException("No signed-in actor on this request.");

    public static Actor? FindActor(this HttpContext context) => context.Items[typeof(Actor)] as Actor;
}
