using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Features.Badges;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

public static class ProvidersApi
{
    public static RouteGroupBuilder MapProvidersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/badge-providers").WithTags("Badge providers").RequireAdministrator(ProvidersHandler.AdministratorsOnly);
        group.MapPost("/", async Task<Results<Created<ProviderDto>, ProblemHttpResult>> (
                CreateProviderRequest request, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(p => $"/api/v1/badge-providers/{p.Id}"));
        group.MapGet("/", async Task<Results<Ok<Paged<ProviderDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk());
        group.MapGet("/{id:guid}", async Task<Results<Ok<ProviderDto>, ProblemHttpResult>> (
                Guid id, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        group.MapPatch("/{id:guid}", async Task<Results<Ok<ProviderDto>, ProblemHttpResult>> (
                Guid id, UpdateProviderRequest request, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());
        api.MapPut("/badges/{badgeId:guid}/provider", async Task<Results<Ok<BadgeDto>, ProblemHttpResult>> (
                Guid badgeId, LinkBadgeProviderRequest request, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.LinkBadgeAsync(actor, badgeId, request, ct)).ToOk())
            .WithTags("Badge providers").RequireAdministrator(ProvidersHandler.AdministratorsOnly);
        api.MapDelete("/badges/{badgeId:guid}/provider", async Task<Results<Ok<BadgeDto>, ProblemHttpResult>> (
                Guid badgeId, Actor actor, ProvidersHandler handler, CancellationToken ct) =>
            (await handler.LinkBadgeAsync(actor, badgeId, new LinkBadgeProviderRequest(null, null), ct)).ToOk())
            .WithTags("Badge providers").RequireAdministrator(ProvidersHandler.AdministratorsOnly);
        api.MapDeliveriesApi();
        return api;
    }
}
