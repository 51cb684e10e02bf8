using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.ApiKeys;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Achievements;

public static class AchievementsApi
{
    public static RouteGroupBuilder MapAchievementsApi(this RouteGroupBuilder api)
    {
        var achievements = api.MapGroup("/achievements").WithTags("Achievements").RequireAdministrator(AchievementErrors.AdministratorsOnly);
        achievements.MapPost("/", async Task<Results<Created<AchievementDto>, ProblemHttpResult>> (
                CreateAchievementRequest request, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(a => $"/api/v1/achievements/{a.Id}"));
        achievements.MapGet("/", async Task<Results<Ok<Paged<AchievementDto>>, ProblemHttpResult>> (
                [AsParameters] AchievementListRequest request, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk());
        achievements.MapGet("/{id:guid}", async Task<Results<Ok<AchievementDto>, ProblemHttpResult>> (
                Guid id, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        achievements.MapPatch("/{id:guid}", async Task<Results<Ok<AchievementDto>, ProblemHttpResult>> (
                Guid id, UpdateAchievementRequest request, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());
        achievements.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.DeleteAsync(actor, id, ct)).ToNoContent());
        achievements.MapPost("/{id:guid}/enable", async Task<Results<Ok<AchievementDto>, ProblemHttpResult>> (
                Guid id, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.SetEnabledAsync(actor, id, true, ct)).ToOk());
        achievements.MapPost("/{id:guid}/disable", async Task<Results<Ok<AchievementDto>, ProblemHttpResult>> (
                Guid id, Actor actor, AchievementsHandler handler, CancellationToken ct) =>
            (await handler.SetEnabledAsync(actor, id, false, ct)).ToOk());
        achievements.MapGet("/{id:guid}/earners", async Task<Results<Ok<Paged<AchievementEarner>>, ProblemHttpResult>> (
                Guid id, [AsParameters] PageRequest paging, Actor actor, ListAchievementEarnersHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, id, paging, ct)).ToOk());

        api.MapGet("/users/{userId:guid}/achievement-progress", async Task<Results<Ok<UserProgressDto>, ProblemHttpResult>> (
                Guid userId, Actor actor, AchievementProgressHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, userId, ct)).ToOk())
            .WithTags("Achievements");

        api.MapPost("/activity-events", async Task<Results<Accepted<PostActivityEventsResult>, ProblemHttpResult>> (
                ActivityEventBatch body, Actor actor, PostActivityEventsHandler handler, CancellationToken ct) =>
            {
                var result = await handler.HandleAsync(actor, body, ct);
                return result.IsSuccess ? TypedResults.Accepted((string?)null, result.Value) : result.Error.ToProblem();
            })
            .Accepts<IReadOnlyList<ActivityEventDto>>("application/json")
            .AllowApiKeys(ApiKeyPermissions.PostActivityEvents)
            .WithTags("Achievements");
        return api;
    }
}
