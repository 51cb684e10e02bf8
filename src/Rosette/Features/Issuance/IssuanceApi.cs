using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Rosette.Domain;
using Rosette.Domain.ApiKeys;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

public static class IssuanceApi
{
    public static RouteGroupBuilder MapIssuanceApi(this RouteGroupBuilder api)
    {
        var issuance = api.MapGroup("").AllowApiKeys(ApiKeyPermissions.IssueBadges);
        var classes = issuance.MapGroup("/classes/{classId:guid}").WithTags("Issuance");
        classes.MapGet("/issuable-badges", async Task<Results<Ok<Paged<IssuableBadge>>, ProblemHttpResult>> (
                Guid classId, [AsParameters] BadgeChoicesRequest request, Actor actor, ListIssuableHandler handler, CancellationToken ct) =>
            (await handler.BadgesAsync(actor, classId, request, ct)).ToOk());
        classes.MapGet("/issuable-students", async Task<Results<Ok<Paged<IssuableStudent>>, ProblemHttpResult>> (
                Guid classId, [AsParameters] PageRequest paging, Actor actor, ListIssuableHandler handler, CancellationToken ct) =>
            (await handler.StudentsAsync(actor, classId, paging, ct)).ToOk());
        classes.MapPost("/badge-issuances", async Task<Results<Ok<IssueBadgesResult>, ProblemHttpResult>> (
                Guid classId, IssueBadgesRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpRequest http,
                Actor actor, IssueBadgesHandler handler, CancellationToken ct) =>
            // A header sent empty binds as null; it is a bad key, not the absence of one.
            (await handler.HandleAsync(actor, classId, request, idempotencyKey ?? (http.Headers.ContainsKey("Idempotency-Key") ? "" : null), ct)).ToOk());
        classes.MapGet("/badge-issuances", async Task<Results<Ok<Paged<IssuanceSummary>>, ProblemHttpResult>> (
                Guid classId, [AsParameters] PageRequest paging, Actor actor, ListIssuanceHistoryHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, classId, paging, ct)).ToOk());

        issuance.MapGet("/badge-issuances/{id:guid}", async Task<Results<Ok<IssueBadgesResult>, ProblemHttpResult>> (
                Guid id, Actor actor, GetBatchResultHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, id, ct)).ToOk())
            .WithTags("Issuance");
        issuance.MapPost("/course-assignments/{assignmentId:guid}/badge-issuances", async Task<Results<Ok<IssueBadgesResult>, ProblemHttpResult>> (
                Guid assignmentId, IssueFromCourseAssignmentRequest request, Actor actor, IssueFromCourseAssignmentHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, assignmentId, request, ct)).ToOk())
            .WithTags("Issuance");

        var awards = api.MapGroup("/awards").WithTags("Awards");
        awards.MapGet("/", async Task<Results<Ok<Paged<AwardDto>>, ProblemHttpResult>> (
                [AsParameters] AwardListRequest request, Actor actor, AwardsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk())
            .AllowApiKeys(ApiKeyPermissions.ReadAwards);
        awards.MapGet("/{awardId:guid}", async Task<Results<Ok<AwardDto>, ProblemHttpResult>> (
                Guid awardId, Actor actor, AwardsHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, awardId, ct)).ToOk())
            .AllowApiKeys(ApiKeyPermissions.ReadAwards);
        awards.MapPost("/{awardId:guid}/revocation", async Task<Results<Ok<AwardDto>, ProblemHttpResult>> (
                Guid awardId, RevokeAwardRequest request, Actor actor, AwardsHandler handler, CancellationToken ct) =>
            (await handler.RevokeAsync(actor, awardId, request, ct)).ToOk());
        return api;
    }
}
