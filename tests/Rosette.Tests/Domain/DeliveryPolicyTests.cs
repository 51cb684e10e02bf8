using Rosette.Domain.Providers;
using Rosette.Features.Providers;

namespace Rosette.Tests.Domain;

/// <summary>What each answer of a provider does to a delivery (Features/Providers/README.md, "Answers" and "422").</summary>
public sealed class DeliveryPolicyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("new", DeliveryStep.Send)]
    [InlineData("attempted", DeliveryStep.FindThenSend)]
    [InlineData("delivered", DeliveryStep.None)]
    [InlineData("failed", DeliveryStep.None)]
    [InlineData("delivered, revocation asked", DeliveryStep.Revoke)]
    [InlineData("attempted, revocation asked", DeliveryStep.FindThenRevoke)]
    [InlineData("new, revocation asked", DeliveryStep.NothingToRevoke)]
    public void NextStep_FollowsWhatIsKnown_AndADeliveryIsDueExactlyWhenThereIsAStep(string history, DeliveryStep expected)
    {
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var delivery = ProviderDelivery.Create(Guid.NewGuid(), Guid.NewGuid(), now);
        if (history.StartsWith("attempted", StringComparison.Ordinal))
        {
            delivery.StartAttempt(now, mayCreate: true);
        }
        if (history.StartsWith("delivered", StringComparison.Ordinal))
        {
            delivery.Delivered("badge", now);
        }
        if (history == "failed")
        {
            delivery.Fail("refused", sent: false, now);
        }
        if (history.EndsWith("revocation asked", StringComparison.Ordinal))
        {
            delivery.RequestRevocation(now);
        }

        Assert.Equal(expected, delivery.NextStep());
        Assert.Equal(expected != DeliveryStep.None, delivery.IsDue);
    }

    [Theory]
    [InlineData(DeliveryStep.Send, null, "Ask Send")]
    [InlineData(DeliveryStep.FindThenSend, null, "Ask FindBeforeSending")]
    [InlineData(DeliveryStep.Revoke, "b", "Ask Revoke b")]
    [InlineData(DeliveryStep.FindThenRevoke, null, "Ask FindBeforeRevoking")]
    [InlineData(DeliveryStep.Renew, "b", "Ask Renew")]
    [InlineData(DeliveryStep.NothingToRevoke, null, "Revoked")]
    [InlineData(DeliveryStep.None, null, "NoChange")]
    public void Start_EachStep_AsksOrDecides(DeliveryStep step, string? providerBadgeId, string expected) =>
        Assert.Equal(expected, Describe(DeliveryPolicy.Start(step, providerBadgeId)));

    [Theory]
    [InlineData(RequestPurpose.Send, AnswerKind.Success, "b", "Delivered b")]
    [InlineData(RequestPurpose.Send, AnswerKind.Success, null, "Ask FindAfterAccepted")]
    [InlineData(RequestPurpose.Send, AnswerKind.Unprocessable, null, "Ask FindAfterUnprocessable")]
    [InlineData(RequestPurpose.Send, AnswerKind.RateLimited, null, "RetryLater answer sent=False after=30")]
    [InlineData(RequestPurpose.Send, AnswerKind.Refused, null, "Failed answer sent=False")]
    [InlineData(RequestPurpose.Send, AnswerKind.NotFound, null, "Failed answer sent=False")]
    [InlineData(RequestPurpose.Send, AnswerKind.Unclear, null, "RetryLater answer sent=True after=-")]
    [InlineData(RequestPurpose.FindAfterAccepted, AnswerKind.Success, "b", "Delivered b")]
    [InlineData(RequestPurpose.FindAfterAccepted, AnswerKind.Success, null, "RetryLater The provider accepted the badge but it cannot be found yet: earlier sent=True after=-")]
    [InlineData(RequestPurpose.FindAfterAccepted, AnswerKind.Unclear, null, "RetryLater The provider accepted the badge but it cannot be found yet: earlier sent=True after=-")]
    [InlineData(RequestPurpose.FindAfterUnprocessable, AnswerKind.Success, "b", "Delivered b")]
    [InlineData(RequestPurpose.FindAfterUnprocessable, AnswerKind.Success, null, "Failed earlier sent=False")]
    [InlineData(RequestPurpose.FindAfterUnprocessable, AnswerKind.Refused, null, "RetryLater answer sent=False after=30")]
    [InlineData(RequestPurpose.FindAfterUnprocessable, AnswerKind.Unclear, null, "RetryLater answer sent=False after=30")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.Success, "b", "Delivered b")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.Success, null, "Ask Send")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.Refused, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.NotFound, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.RateLimited, null, "RetryLater answer sent=True after=30")]
    [InlineData(RequestPurpose.FindBeforeSending, AnswerKind.Unclear, null, "RetryLater answer sent=True after=30")]
    [InlineData(RequestPurpose.FindBeforeRevoking, AnswerKind.Success, "b", "Ask Revoke b")]
    [InlineData(RequestPurpose.FindBeforeRevoking, AnswerKind.Success, null, "Revoked")]
    [InlineData(RequestPurpose.FindBeforeRevoking, AnswerKind.Refused, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.FindBeforeRevoking, AnswerKind.Unclear, null, "RetryLater answer sent=True after=30")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.Success, null, "Revoked")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.NotFound, null, "Revoked")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.Refused, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.Unprocessable, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.RateLimited, null, "RetryLater answer sent=kept after=30")]
    [InlineData(RequestPurpose.Revoke, AnswerKind.Unclear, null, "RetryLater answer sent=kept after=30")]
    [InlineData(RequestPurpose.Renew, AnswerKind.Success, "b2", "Renewed b2")]
    [InlineData(RequestPurpose.Renew, AnswerKind.Success, null, "Renewed -")]
    [InlineData(RequestPurpose.Renew, AnswerKind.Refused, null, "Failed answer sent=True")]
    [InlineData(RequestPurpose.Renew, AnswerKind.RateLimited, null, "RetryLater answer sent=kept after=30")]
    [InlineData(RequestPurpose.Renew, AnswerKind.Unclear, null, "RetryLater answer sent=kept after=30")]
    public void After_EachAnswerToEachRequest_DecidesTheNextMove(RequestPurpose purpose, AnswerKind kind, string? badgeId, string expected)
    {
        var request = new ProviderRequest(purpose, purpose == RequestPurpose.Revoke ? "b" : null, new ProviderAnswer(AnswerKind.Unprocessable, "earlier"));

        Assert.Equal(expected, Describe(DeliveryPolicy.After(request, new ProviderAnswer(kind, "answer", badgeId, Wait))));
    }

    [Fact]
    public void After_UnclearAnswerToASendThatNeverReachedTheProvider_RetriesWithoutALookup() =>
        Assert.Equal("RetryLater answer sent=False after=-",
            Describe(DeliveryPolicy.After(new ProviderRequest(RequestPurpose.Send), new ProviderAnswer(AnswerKind.Unclear, "answer", Reached: false))));

    [Fact]
    public void RetryLater_WithoutAnOpinionOnMaybeSent_KeepsWhatTheDeliveryKnows()
    {
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var delivery = ProviderDelivery.Create(Guid.NewGuid(), Guid.NewGuid(), now);
        delivery.StartAttempt(now, mayCreate: true);

        DeliveryPolicy.NotSent.Apply(delivery, now);

        Assert.True(delivery.MaybeSent);
        Assert.Equal((DeliveryStatus.Pending, now), (delivery.Status, delivery.NextAttemptAt));
        new RetryLater("lost", false, null).Apply(delivery, now);
        Assert.False(delivery.MaybeSent);
    }

    [Theory]
    [InlineData(200, false, AnswerKind.Success)]
    [InlineData(201, false, AnswerKind.Success)]
    [InlineData(404, false, AnswerKind.NotFound)]
    [InlineData(422, false, AnswerKind.Unprocessable)]
    [InlineData(429, false, AnswerKind.RateLimited)]
    [InlineData(400, false, AnswerKind.Refused)]
    [InlineData(401, false, AnswerKind.Refused)]
    [InlineData(408, false, AnswerKind.Unclear)]
    [InlineData(409, false, AnswerKind.Unclear)]
    [InlineData(425, false, AnswerKind.Unclear)]
    [InlineData(503, false, AnswerKind.Unclear)]
    [InlineData(null, false, AnswerKind.Unclear)]
    [InlineData(null, true, AnswerKind.Refused)]
    public void CredlyAnswer_ReadsAsTheKindOfAnswerTheRulesKnow(int? status, bool blocked, AnswerKind expected) =>
        Assert.Equal(expected, new CredlyAnswer(status, "{}", null, null, null, true, TimeSpan.Zero) { Blocked = blocked }.ToProviderAnswer().Kind);

    [Theory]
    [InlineData(1, 600, -3600, 600.0, 600.0)]
    [InlineData(1, null, 0, 1.5, 2.5)]
    [InlineData(3, null, 0, 6.0, 10.0)]
    [InlineData(40, null, 0, 1350.0, 2250.0)]
    public void NextAttempt_WithinTheRetryWindow_AfterRetryAfterOrBackoff(int attempts, int? retryAfterSeconds, int firstAttemptSecondsAgo, double minSeconds, double maxSeconds)
    {
        var now = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        var retryAfter = retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;

        var next = ProviderDelivery.NextAttempt(now, now.AddSeconds(firstAttemptSecondsAgo), attempts, retryAfter);

        Assert.NotNull(next);
        Assert.InRange((next.Value - now).TotalSeconds, minSeconds, maxSeconds);
    }

    [Theory]
    [InlineData(-23, 7200)]
    [InlineData(-24, 60)]
    public void NextAttempt_PastTheRetryWindow_GivesUp(int firstAttemptHoursAgo, int retryAfterSeconds)
    {
        var now = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

        Assert.Null(ProviderDelivery.NextAttempt(now, now.AddHours(firstAttemptHoursAgo), 5, TimeSpan.FromSeconds(retryAfterSeconds)));
    }

    private static string Describe(DeliveryMove move) => move switch
    {
        ProviderRequest r => $"Ask {r.Purpose} {r.BadgeId}".TrimEnd(),
        Delivered d => $"Delivered {d.ProviderBadgeId}",
        Renewed r => $"Renewed {r.ProviderBadgeId ?? "-"}",
        RevokedAtProvider => "Revoked",
        Failed f => $"Failed {f.Message} sent={f.Sent}",
        RetryLater r => $"RetryLater {r.Message} sent={r.MaybeSent?.ToString() ?? "kept"} after={r.RetryAfter?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}",
        NoChange => "NoChange",
        _ => move.GetType().Name,
    };
}
