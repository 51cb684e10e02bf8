using Rosette.Domain.Providers;

namespace Rosette.Features.Providers;

/// <summary>
/// The answer to one request: the HTTP status and body when there was one, or the transport failure. <see cref="Reached"/>
/// is false only when the request certainly did not reach the provider (connection refused, open circuit).
/// </summary>
public sealed record CredlyAnswer(int? Status, string? Body, string? BadgeId, TimeSpan? RetryAfter, string? Failure, bool Reached, TimeSpan Duration)
{
    /// <summary>What is kept of a remote answer for people to read (the Deliveries page and API).</summary>
    public const int ExcerptLength = 300;

    /// <summary>The outbound policy refused the address: nothing was sent, and retrying will not help until an administrator acts.</summary>
    public bool Blocked { get; init; }

    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>Credly refused the badge as it stands (a duplicate among others): whether it is a duplicate is asked, not read from the wording.</summary>
    public bool IsUnprocessable => Status == 422;

    public bool IsRateLimited => Status == 429;

    /// <summary>4xx other than 408/409/425/429: a clear refusal that retrying will not change.</summary>
    public bool IsRefused => Blocked || Status is >= 400 and < 500 and not 408 and not 409 and not 425 and not 429;

    /// <summary>A short, sanitised account of the answer: never the whole body the remote side chose to send.</summary>
    public string Describe() => Failure ?? $"HTTP {Status}: {Domain.Text.Excerpt(Body, ExcerptLength)}";

    /// <summary>The answer as the delivery rules (<see cref="DeliveryPolicy"/>) read it.</summary>
    public ProviderAnswer ToProviderAnswer() => new(
        Blocked ? AnswerKind.Refused
        : IsSuccess ? AnswerKind.Success
        : Status == 404 ? AnswerKind.NotFound
        : IsUnprocessable ? AnswerKind.Unprocessable
        : IsRateLimited ? AnswerKind.RateLimited
        : IsRefused ? AnswerKind.Refused
        : AnswerKind.Unclear,
        Describe(), BadgeId, RetryAfter, Reached);
}
