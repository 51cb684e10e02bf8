namespace Rosette.Domain;

/// <summary>
/// An expected failure, as a value. <see cref="Code"/> is stable and lower_snake_case: clients key on it.
/// The kind (the subtype) decides the HTTP status, in one place: Infrastructure/Http/ErrorResults.
/// </summary>
public abstract record Error(string Code, string Message);

public sealed record NotFoundError(string Code, string Message) : Error(Code, Message);

public sealed record InvalidError(string Code, string Message, IReadOnlyDictionary<string, string[]>? Fields = null)
    : Error(Code, Message)
{
    /// <summary>The code of a request that breaks a field's rule, when no more precise code applies.</summary>
    public const string ValidationFailed = "validation_failed";

    public static InvalidError Field(string field, string code, string message) =>
        new(code, message, new Dictionary<string, string[]> { [field] = [message] });
}

public sealed record ConflictError(string Code, string Message) : Error(Code, Message);

public sealed record ForbiddenError(string Code, string Message) : Error(Code, Message);

/// <summary>A well-formed request that cannot be carried out as sent (HTTP 422), such as a reused idempotency key.</summary>
public sealed record UnprocessableError(string Code, string Message) : Error(Code, Message);

/// <summary>Too many attempts: try again after <see cref="RetryAfter"/> (HTTP 429 with Retry-After).</summary>
public sealed record RateLimitedError(string Code, string Message, TimeSpan RetryAfter) : Error(Code, Message)
{
    public static RateLimitedError After(TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return new("rate_limited", $"Too many attempts. Wait {seconds} seconds, then try again.", TimeSpan.FromSeconds(seconds));
    }
}

public static class CommonErrors
{
    public static ForbiddenError Forbidden(string what = "You are not allowed to do this.") => new("forbidden", what);

    public static NotFoundError NotFound(string kind, Guid id) => NotFound($"{kind}_not_found", kind.Replace('_', ' '), id);

    /// <summary>A not-found error whose code is a constant of its kind's errors (<c>ClassErrors.NotFoundCode</c>), for callers that match on it.</summary>
    public static NotFoundError NotFound(string code, string what, Guid id) =>
        new(code, $"No {what} with id '{id}' exists, or it is outside your scope.");
}
