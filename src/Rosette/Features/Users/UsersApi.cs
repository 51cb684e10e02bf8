using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Features.Accounts;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Users;

public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users").WithTags("Users");
        group.MapPost("/", async Task<Results<Created<UserDto>, ProblemHttpResult>> (
                CreateUserRequest request, Actor actor, UsersHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(u => $"/api/v1/users/{u.Id}"))
            .RequireAdministrator(UsersHandler.CreatedByAdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<UserDto>>, ProblemHttpResult>> (
                [AsParameters] UserListRequest request, Actor actor, UsersHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk())
            .RequireAdministrator(UsersHandler.ListedByAdministratorsOnly);
        group.MapGet("/{id:guid}", async Task<Results<Ok<UserDto>, ProblemHttpResult>> (
                Guid id, Actor actor, UsersHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        group.MapPatch("/{id:guid}", async Task<Results<Ok<UserDto>, ProblemHttpResult>> (
                Guid id, UpdateUserRequest request, Actor actor, UsersHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());
        group.MapPost("/{id:guid}/password-reset", async Task<Results<Ok<PasswordResetDto>, ProblemHttpResult>> (
                Guid id, ResetPasswordRequest request, Actor actor, ResetPasswordHandler handler, CancellationToken ct) =>
            (await handler.HandleAsync(actor, id, request, ct)).ToOk())
            .RequireRateLimiting(SignInLimits.Policy);
        return api;
    }
}
