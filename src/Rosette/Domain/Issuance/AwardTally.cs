namespace Rosette.Domain.Issuance;

/// <summary>
/// The dashboard's counts of the awards of one badge issued in one class (or in none) on one UTC day: how many were
/// issued and how many of those are revoked (holders = issued - revoked; expiry does not change either). The database
/// keeps them, in the same transaction as every write to the awards (Data/AwardTallies.cs), so the dashboard reads a few
/// tally rows instead of counting awards.
/// </summary>
public sealed class AwardTally
{
    /// <summary>
    /// The class of awards issued in none (achievements, course assignments): the class is part of the key, and a key
    /// column holding NULL would never conflict with another NULL on either database, so "no class" is this value.
    /// </summary>
    public static readonly Guid NoClass = Guid.Empty;

    private AwardTally()
    {
    }

    public Guid BadgeId { get; private set; }

    /// <summary>The award's class, or <see cref="NoClass"/>.</summary>
    public Guid ClassId { get; private set; }

    /// <summary>The UTC day of the awards' issue time.</summary>
    public DateOnly Day { get; private set; }

    public int Issued { get; private set; }

    public int Revoked { get; private set; }
}

/// <summary>One tally's counts, as read from the tallies or recounted from the awards.</summary>
public sealed record TallyCount(Guid BadgeId, Guid ClassId, DateOnly Day, int Issued, int Revoked);
