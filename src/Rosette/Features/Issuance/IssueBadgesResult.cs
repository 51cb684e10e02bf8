using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;

namespace Rosette.Features.Issuance;

public sealed record IssuedPair(Guid BadgeId, Guid StudentId, Guid AwardId, DateTime IssuedAt);

/// <summary>A pair whose award was renewed: its new credential and validity.</summary>
public sealed record RenewedPair(Guid BadgeId, Guid StudentId, Guid AwardId, Guid CredentialId, DateTime RenewedAt, DateTime? ExpiresAt);

/// <summary>A pair that failed, and why; for a failed renewal also the award named (absent for an issuance's pair).</summary>
public sealed record FailedPair(Guid BadgeId, Guid StudentId, string Code, string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? AwardId = null)
{
    public static readonly Expression<Func<IssuanceFailure, FailedPair>> Projection = f => new FailedPair(f.BadgeId, f.StudentId, f.Code, f.Message, f.AwardId);

    private static readonly Func<IssuanceFailure, FailedPair> Compiled = Projection.Compile();

    public static FailedPair From(IssuanceFailure failure) => Compiled(failure);
}

/// <summary>
/// The outcome of one issuance request: one entry per badge-student pair (issued, renewed or failed), and the seed's warning
/// when any failed.
/// </summary>
public sealed record IssueBadgesResult(Guid Id, IReadOnlyList<IssuedPair> Issued, IReadOnlyList<FailedPair> Failed, string? Warning)
{
    public IReadOnlyList<RenewedPair> Renewed { get; init; } = [];

    public static string? WarningFor(int failed) => failed > 0 ? IssuanceRules.PartialFailureWarning : null;

    /// <summary>A stored batch's result, rebuilt from its awards, renewals and failures.</summary>
    public static async Task<IssueBadgesResult> LoadAsync(RosetteDb db, Guid batchId, CancellationToken cancellationToken)
    {
        var issued = await db.Awards.AsNoTracking().Where(a => a.BatchId == batchId)
            .OrderBy(a => a.BadgeId).ThenBy(a => a.StudentId)
            .Select(a => new IssuedPair(a.BadgeId, a.StudentId, a.Id, a.IssuedAt)).ToListAsync(cancellationToken);
        var renewed = await db.AwardRenewals.AsNoTracking().Where(r => r.BatchId == batchId)
            .OrderBy(r => r.BadgeId).ThenBy(r => r.StudentId)
            .Select(r => new RenewedPair(r.BadgeId, r.StudentId, r.AwardId, r.CredentialId, r.RenewedAt, r.ValidUntil)).ToListAsync(cancellationToken);
        var failed = await db.IssuanceFailures.AsNoTracking().Where(f => f.BatchId == batchId).OrderBy(f => f.Id)
            .Select(FailedPair.Projection).ToListAsync(cancellationToken);
        return new IssueBadgesResult(batchId, issued, failed, WarningFor(failed.Count)) { Renewed = renewed };
    }
}
