namespace Rosette.Domain.Notifications;

/// <summary>
/// Something to tell about one credential of an award, once: that it was renewed, that it expires in some days, or that
/// it expired. The key (credential, kind) makes each happen once, whatever number of instances schedule it; the row is then
/// the claim on its mail, as <see cref="AwardNotification"/> is for issue and revocation mails.
/// </summary>
public sealed class CredentialNotice
{
    public const string Renewed = "renewed";
    public const string Expired = "expired";

    private CredentialNotice()
    {
    }

    public Guid CredentialId { get; private set; }

    /// <summary><see cref="Renewed"/>, <see cref="Expired"/>, or <c>expiring-N</c> (N days before expiry).</summary>
    public string Kind { get; private set; } = "";

    public Guid AwardId { get; private set; }

    /// <summary>When it was due (the reminder's moment, or the renewal's).</summary>
    public DateTime DueAt { get; private set; }

    /// <summary>Whether the student is mailed; false when reminders are turned off, or a later reminder made this one moot.</summary>
    public bool Mail { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? ClaimedUntil { get; private set; }

    public DateTime? SentAt { get; private set; }

    public int Attempts { get; private set; }

    public static string Expiring(int days) => days == 0 ? Expired : $"expiring-{days}";

    /// <summary>Days before expiry of an <c>expiring-N</c> kind (0 for expired), or null for another kind.</summary>
    public static int? DaysOf(string kind) =>
        kind == Expired ? 0 : kind.StartsWith("expiring-", StringComparison.Ordinal) && int.TryParse(kind.AsSpan(9), out var days) ? days : null;

    public static CredentialNotice Create(Guid credentialId, string kind, Guid awardId, DateTime dueAt, bool mail, DateTime now) => new()
    {
        CredentialId = credentialId,
        Kind = kind,
        AwardId = awardId,
        DueAt = dueAt,
        Mail = mail,
        CreatedAt = now,
    };
}
