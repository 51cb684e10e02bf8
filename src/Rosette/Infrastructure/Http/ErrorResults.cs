using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Rosette.Domain;

namespace Rosette.Infrastructure.Http;

/// <summary>The one place where a domain <see cref="Error"/> becomes an HTTP answer (RFC 9457 problem+json).</summary>
public static class ErrorResults
{
    public static int StatusCode(this Error error) => error switch
    {
        NotFoundError => StatusCodes.Status404NotFound,
        ConflictError => StatusCodes.Status409Conflict,
        ForbiddenError => StatusCodes.Status403Forbidden,
        UnprocessableError => StatusCodes.Status422UnprocessableEntity,
        RateLimitedError => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status400BadRequest,
    };

    public static ProblemHttpResult ToProblem(this Error error) => TypedResults.Problem(ToProblemDetails(error));

    public static ProblemDetails ToProblemDetails(this Error error)
    {
        ProblemDetails problem = error is InvalidError { Fields: { Count: > 0 } fields }
            ? new HttpValidationProblemDetails(fields.ToDictionary(f => f.Key, f => f.Value))
            : new ProblemDetails();
        problem.Status = error.StatusCode();
        problem.Detail = error.Message;
        problem.Extensions["code"] = error.Code;
        return problem;
    }

    /// <summary>Sets Retry-After when <paramref name="error"/> asks the caller to wait; returns the error for chaining.</summary>
    public static Error WithRetryAfter(this Error error, HttpResponse response)
    {
        if (error is RateLimitedError limited)
        {
            response.Headers.RetryAfter = ((int)limited.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return error;
    }

    public static Results<Ok<T>, ProblemHttpResult> ToOk<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : result.Error.ToProblem();

    public static Results<Created<T>, ProblemHttpResult> ToCreated<T>(this Result<T> result, Func<T, string> location) =>
        result.IsSuccess ? TypedResults.Created(location(result.Value), result.Value) : result.Error.ToProblem();

    public static Results<NoContent, ProblemHttpResult> ToNoContent(this Error? error) =>
        error is null ? TypedResults.NoContent() : error.ToProblem();
}
