using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Domain.ApiKeys;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Badges;

public static class BadgesApi
{
    public static RouteGroupBuilder MapBadgesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/badges").WithTags("Badges");
        group.MapPost("/", async Task<Results<Created<BadgeDto>, ProblemHttpResult>> (
                CreateBadgeRequest request, Actor actor, BadgesHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(b => $"/api/v1/badges/{b.Id}"))
            .RequireAdministrator(BadgesHandler.AdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<BadgeDto>>, ProblemHttpResult>> (
                [AsParameters] BadgeListRequest request, Actor actor, BadgesHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk())
            .RequireAdministrator(BadgesHandler.AdministratorsOnly);
        group.MapGet("/{id:guid}", async Task<Results<Ok<BadgeDto>, ProblemHttpResult>> (
                Guid id, Actor actor, BadgesHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk())
            .RequireAdministrator(BadgesHandler.AdministratorsOnly);
        group.MapPatch("/{id:guid}", async Task<Results<Ok<BadgeDto>, ProblemHttpResult>> (
                Guid id, UpdateBadgeRequest request, Actor actor, BadgesHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk())
            .RequireAdministrator(BadgesHandler.AdministratorsOnly);
        // Holders are also read by API keys with read_awards: BadgeHoldersHandler keeps its own check.
        group.MapGroup("").AllowApiKeys(ApiKeyPermissions.ReadAwards).MapBadgeHoldersApi();
        return api;
    }
}
