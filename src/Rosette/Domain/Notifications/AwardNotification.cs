namespace Rosette.Domain.Notifications;

public enum NotificationKind
{
    Issued,
    Revoked,
}

/// <summary>
/// The state of one email about one award (issued, or revoked). The row is the claim: whoever inserts it (the primary
/// key decides) sends the mail, then records <see cref="SentAt"/>. A claim whose holder died expires at
/// <see cref="ClaimedUntil"/> and may be taken over; a sent notification is never sent again.
/// </summary>
public sealed class AwardNotification
{
    private AwardNotification()
    {
    }

    public Guid AwardId { get; private set; }

    public NotificationKind Kind { get; private set; }

    public DateTime? ClaimedUntil { get; private set; }

    public DateTime? SentAt { get; private set; }

    public int Attempts { get; private set; }

    public static AwardNotification Claim(Guid awardId, NotificationKind kind, DateTime until) =>
        new() { AwardId = awardId, Kind = kind, ClaimedUntil = until, Attempts = 1 };
}
