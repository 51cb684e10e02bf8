namespace Rosette.Domain.Providers;

/// <summary>What a provider answered, as the delivery rules see it.</summary>
public enum AnswerKind
{
    /// <summary>2xx.</summary>
    Success,

    /// <summary>404: a refusal, except to a revocation, where there is nothing left to revoke.</summary>
    NotFound,

    /// <summary>422: the badge is refused as it stands, perhaps as a duplicate (which only a lookup can tell).</summary>
    Unprocessable,

    /// <summary>429: asked to wait.</summary>
    RateLimited,

    /// <summary>Any other 4xx but 408, 409 and 425, or an address the outbound policy blocks: retrying will not help.</summary>
    Refused,

    /// <summary>No clear answer: 5xx, 408/409/425, a timeout, a reset.</summary>
    Unclear,
}

/// <summary>One answer of a provider; <see cref="Reached"/>: whether the request may have reached it.</summary>
public sealed record ProviderAnswer(AnswerKind Kind, string Description, string? BadgeId = null, TimeSpan? RetryAfter = null, bool Reached = true)
{
    public bool IsSuccess => Kind == AnswerKind.Success;

    public bool IsRefusal => Kind is AnswerKind.Refused or AnswerKind.NotFound or AnswerKind.Unprocessable;
}

/// <summary>The next thing to do for a delivery: a request to the provider, or a verdict.</summary>
public abstract record DeliveryMove;

public enum ProviderCall
{
    Find,
    Issue,
    Revoke,
    Renew,
}

/// <summary>Why a request is made, which decides what its answer means.</summary>
public enum RequestPurpose
{
    FindBeforeSending,
    Send,
    FindAfterAccepted,
    FindAfterUnprocessable,
    FindBeforeRevoking,
    Revoke,
    Renew,
}

/// <summary>A request to make; <see cref="Earlier"/> is the answer that led to it, when its verdict quotes that one.</summary>
public sealed record ProviderRequest(RequestPurpose Purpose, string? BadgeId = null, ProviderAnswer? Earlier = null) : DeliveryMove
{
    public ProviderCall Call => Purpose switch
    {
        RequestPurpose.Send => ProviderCall.Issue,
        RequestPurpose.Revoke => ProviderCall.Revoke,
        RequestPurpose.Renew => ProviderCall.Renew,
        _ => ProviderCall.Find,
    };
}

/// <summary>What an attempt does to its delivery, applied to the delivery as it is when the attempt is recorded.</summary>
public abstract record DeliveryVerdict : DeliveryMove
{
    public abstract void Apply(ProviderDelivery delivery, DateTime now);
}

public sealed record Delivered(string ProviderBadgeId) : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now) => delivery.Delivered(ProviderBadgeId, now);
}

public sealed record Renewed(string? ProviderBadgeId) : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now) => delivery.Renewed(ProviderBadgeId, now);
}

public sealed record RevokedAtProvider : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now) => delivery.RevokedAtProvider(now);
}

public sealed record Failed(string Message, bool Sent) : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now) => delivery.Fail(Message, Sent, now);
}

/// <summary>Try again later; <see cref="MaybeSent"/> null keeps what the delivery knows.</summary>
public sealed record RetryLater(string Message, bool? MaybeSent, TimeSpan? RetryAfter) : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now) => delivery.RetryLater(Message, MaybeSent ?? delivery.MaybeSent, RetryAfter, now);
}

public sealed record NoChange : DeliveryVerdict
{
    public override void Apply(ProviderDelivery delivery, DateTime now)
    {
    }
}

/// <summary>
/// What each answer of a provider does to a delivery: the first move for a step, then the move after each answer, until a
/// verdict. Pure: the dispatcher makes the requests. See Features/Providers/README.md.
/// </summary>
public static class DeliveryPolicy
{
    /// <summary>When this round cannot keep its claim long enough to send: nothing is sent, and it is tried again at once.</summary>
    public static readonly RetryLater NotSent = new("Not sent: this round could not keep its claim long enough for the request.", null, TimeSpan.Zero);

    /// <summary>
    /// When this instance cannot decrypt the provider's API token (its data-protection keys are not the ones that protected
    /// it): nothing is sent, the delivery waits a minute, and the round goes on with the other providers' deliveries.
    /// </summary>
    public static readonly RetryLater TokenUnreadable = new(
        "Not sent: this instance cannot decrypt the provider's API token (the data-protection keys that protected it are not in its key ring). "
        + "Enter the API token again in the provider's settings.", null, TimeSpan.FromMinutes(1));

    public static DeliveryMove Start(DeliveryStep step, string? providerBadgeId) => step switch
    {
        DeliveryStep.Send => new ProviderRequest(RequestPurpose.Send),
        DeliveryStep.FindThenSend => new ProviderRequest(RequestPurpose.FindBeforeSending),
        DeliveryStep.Revoke => new ProviderRequest(RequestPurpose.Revoke, providerBadgeId),
        DeliveryStep.FindThenRevoke => new ProviderRequest(RequestPurpose.FindBeforeRevoking),
        // A replace is idempotent at Credly: an unclear answer is simply retried, never looked up first.
        DeliveryStep.Renew => new ProviderRequest(RequestPurpose.Renew),
        DeliveryStep.NothingToRevoke => new RevokedAtProvider(),
        _ => new NoChange(),
    };

    public static DeliveryMove After(ProviderRequest request, ProviderAnswer answer) => request.Purpose switch
    {
        RequestPurpose.Send => AfterSend(answer),
        RequestPurpose.FindAfterAccepted => answer.BadgeId is { } accepted ? new Delivered(accepted)
            : new RetryLater($"The provider accepted the badge but it cannot be found yet: {request.Earlier!.Description}", true, null),
        // A duplicate (the earner already has the badge, under this earner id or this email) is delivered; any other refusal stands.
        RequestPurpose.FindAfterUnprocessable => answer switch
        {
            { IsSuccess: true, BadgeId: { } existing } => new Delivered(existing),
            { IsSuccess: true } => new Failed(request.Earlier!.Description, Sent: false),
            _ => new RetryLater(answer.Description, false, answer.RetryAfter),
        },
        RequestPurpose.FindBeforeSending => answer switch
        {
            { IsSuccess: true, BadgeId: { } found } => new Delivered(found),
            { IsSuccess: true } => new ProviderRequest(RequestPurpose.Send),
            { IsRefusal: true } => new Failed(answer.Description, Sent: true),
            _ => new RetryLater(answer.Description, true, answer.RetryAfter),
        },
        RequestPurpose.FindBeforeRevoking => answer switch
        {
            { IsSuccess: true, BadgeId: { } found } => new ProviderRequest(RequestPurpose.Revoke, found),
            { IsSuccess: true } => new RevokedAtProvider(),
            { IsRefusal: true } => new Failed(answer.Description, Sent: true),
            _ => new RetryLater(answer.Description, true, answer.RetryAfter),
        },
        RequestPurpose.Revoke => answer.Kind is AnswerKind.Success or AnswerKind.NotFound ? new RevokedAtProvider()
            : answer.IsRefusal ? new Failed(answer.Description, Sent: true)
            : new RetryLater(answer.Description, null, answer.RetryAfter),
        RequestPurpose.Renew => answer.IsSuccess ? new Renewed(answer.BadgeId)
            : answer.IsRefusal ? new Failed(answer.Description, Sent: true)
            : new RetryLater(answer.Description, null, answer.RetryAfter),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Purpose, null),
    };

    /// <summary>An attempt that ended in an exception of ours: the request may have reached the provider.</summary>
    public static RetryLater Crashed(Exception e) => new($"{e.GetType().Name}: {e.Message}", true, null);

    private static DeliveryMove AfterSend(ProviderAnswer answer) => answer.Kind switch
    {
        AnswerKind.Success when answer.BadgeId is { } id => new Delivered(id),
        AnswerKind.Success => new ProviderRequest(RequestPurpose.FindAfterAccepted, Earlier: answer),
        // Whether a 422 is a duplicate is asked of the provider, whatever its wording.
        AnswerKind.Unprocessable => new ProviderRequest(RequestPurpose.FindAfterUnprocessable, Earlier: answer),
        AnswerKind.RateLimited => new RetryLater(answer.Description, false, answer.RetryAfter),
        AnswerKind.Refused or AnswerKind.NotFound => new Failed(answer.Description, Sent: false),
        _ => new RetryLater(answer.Description, answer.Reached, null),
    };
}
