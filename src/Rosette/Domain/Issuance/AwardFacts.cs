namespace Rosette.Domain.Issuance;

/// <summary>
/// What is known of an award when it is made: who holds which badge since when and how it came; the rest is optional
/// and named (an automatic award has no issuer, class or batch). <see cref="Award.Create"/> adds the id and the salt.
/// </summary>
public readonly record struct AwardFacts(Guid BadgeId, Guid StudentId, DateTime IssuedAt, AwardSource Source)
{
    /// <summary>Null when the award was issued automatically.</summary>
    public Guid? IssuedById { get; init; }

    public Guid? ClassId { get; init; }

    public Guid? CourseAssignmentId { get; init; }

    public Guid? BatchId { get; init; }

    public string? Narrative { get; init; }

    /// <summary>When the first credential expires (null: never).</summary>
    public DateTime? ExpiresAt { get; init; }
}
