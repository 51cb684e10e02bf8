using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Features.Users;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Accounts;

public sealed record TokenRequest(string? Email, string? Password);

public sealed record TokenResponse(string Token, DateTime ExpiresAt);

public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/token", async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> (
                TokenRequest request, SignInHandler signIn, TokenIssuer tokens, HttpResponse response) =>
            {
                var user = await signIn.CheckAsync(request.Email, request.Password);
                if (!user.IsSuccess)
                {
                    var problem = user.Error.WithRetryAfter(response).ToProblemDetails();
                    // A wrong password is 401; too many attempts 429; a right password where single sign-on is required 403.
                    problem.Status = user.Error == SignInHandler.InvalidCredentials ? StatusCodes.Status401Unauthorized : user.Error.StatusCode();
                    return TypedResults.Problem(problem);
                }
                var (token, expiresAt) = await tokens.IssueAsync(user.Value);
                return TypedResults.Ok(new TokenResponse(token, expiresAt));
            })
            .AllowAnonymous()
            .RequireRateLimiting(SignInLimits.Policy)
            .WithTags("Auth");
        // The API form of the reset-password page: whoever holds a one-time link sets a new password with it.
        api.MapPost("/auth/password-reset", async Task<Results<NoContent, ProblemHttpResult>> (
                CompletePasswordResetRequest request, ResetPasswordHandler resets, HttpResponse response, CancellationToken ct) =>
            {
                var error = await resets.CompleteAsync(request, ct);
                error?.WithRetryAfter(response);
                return error.ToNoContent();
            })
            .AllowAnonymous()
            .RequireRateLimiting(SignInLimits.Policy)
            .WithTags("Auth");
        return api;
    }
}
