using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

public static class DeliveriesApi
{
    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/deliveries").WithTags("Badge providers").RequireAdministrator(DeliveriesHandler.AdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<DeliveryDto>>, ProblemHttpResult>> (
                [AsParameters] DeliveryListRequest request, Actor actor, DeliveriesHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk());
        group.MapGet("/{awardId:guid}", async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> (
                Guid awardId, Actor actor, DeliveriesHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, awardId, ct)).ToOk());
        group.MapPost("/{awardId:guid}/retry", async Task<Results<Ok<DeliveryDto>, ProblemHttpResult>> (
                Guid awardId, Actor actor, DeliveriesHandler handler, CancellationToken ct) =>
            (await handler.RetryAsync(actor, awardId, ct)).ToOk());
        return api;
    }
}
