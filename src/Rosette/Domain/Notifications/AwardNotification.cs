namespace Rosette.Domain.Notifications;

public enum NotificationKind
{
    Issued,
    Revoked,
}

/// <summary>
/// The state of one email about one award (issued, or revoked). The row is the claim: whoever inserts it (the primary
/// key decides) sends the mail, then records <see cref="SentAt"/>. A claim whose holder died expires at
/// <see cref="ClaimedUntil"/> and may be taken over; a sent notification is never sent again. One the mail server
/// refused for good (or that still failed at the outbox's last attempt) is <see cref="FailedAt"/>, with the server's
/// answer, for administrators to see; it is not tried again.
/// </summary>
public sealed class AwardNotification
{
    public const int ErrorMaxLength = 1000;

    private AwardNotification()
    {
    }

    public Guid AwardId { get; private set; }

    public NotificationKind Kind { get; private set; }

    public DateTime? ClaimedUntil { get; private set; }

    public DateTime? SentAt { get; private set; }

    public int Attempts { get; private set; }

    /// <summary>When sending was given up: the server refused the mail for good, or it still failed at the last attempt.</summary>
    public DateTime? FailedAt { get; private set; }

    /// <summary>Why the last attempt failed, as the mail server or the connection said it.</summary>
    public string? LastError { get; private set; }

    public static string Shorten(string error) => error.Length <= ErrorMaxLength ? error : error[..ErrorMaxLength];

    public static AwardNotification Claim(Guid awardId, NotificationKind kind, DateTime until) =>
        new() { AwardId = awardId, Kind = kind, ClaimedUntil = until, Attempts = 1 };
}
