using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Organizations;

public static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizationsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/organizations").WithTags("Organizations");
        group.MapPost("/", async Task<Results<Created<OrganizationDto>, ProblemHttpResult>> (
                CreateOrganizationRequest request, Actor actor, OrganizationsHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(o => $"/api/v1/organizations/{o.Id}"))
            .RequireAdministrator(OrganizationsHandler.ManagedByAdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<OrganizationDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, OrganizationsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk())
            .RequireAdministrator(OrganizationsHandler.SeenByAdministratorsOnly);
        group.MapGet("/{id:guid}", async Task<Results<Ok<OrganizationDto>, ProblemHttpResult>> (
                Guid id, Actor actor, OrganizationsHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk())
            .RequireAdministrator(OrganizationsHandler.SeenByAdministratorsOnly);
        group.MapPatch("/{id:guid}", async Task<Results<Ok<OrganizationDto>, ProblemHttpResult>> (
                Guid id, UpdateOrganizationRequest request, Actor actor, OrganizationsHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk())
            .RequireAdministrator(OrganizationsHandler.ManagedByAdministratorsOnly);
        return api;
    }
}
