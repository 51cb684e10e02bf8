namespace Rosette.Domain.Issuance;

/// <summary>
/// When an award may be renewed, and how its expiry is shown. An award that expires may be renewed once it has expired
/// or from <c>renewalWindowDays</c> before it expires (the badge's renewal window); one that never expires never needs it.
/// </summary>
public static class RenewalRules
{
    public const int DefaultWindowDays = 30;

    public static DateTime RenewableFrom(DateTime expiresAt, int renewalWindowDays) => expiresAt.AddDays(-renewalWindowDays);

    public static bool IsRenewable(DateTime? expiresAt, int renewalWindowDays, DateTime now) =>
        expiresAt is { } expires && RenewableFrom(expires, renewalWindowDays) <= now;

    /// <summary>What the roster and the lists show: valid, expiring soon (within the renewal window), expired, or revoked.</summary>
    public static ExpiryState StateOf(DateTime? revokedAt, DateTime? expiresAt, int renewalWindowDays, DateTime now) =>
        revokedAt is not null ? ExpiryState.Revoked
        : expiresAt is not { } expires ? ExpiryState.Valid
        : expires <= now ? ExpiryState.Expired
        : IsRenewable(expires, renewalWindowDays, now) ? ExpiryState.ExpiringSoon
        : ExpiryState.Valid;
}

public enum ExpiryState
{
    Valid,
    ExpiringSoon,
    Expired,
    Revoked,
}
