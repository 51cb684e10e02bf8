using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Issuance;
using Rosette.Features.Providers;

namespace Rosette.Features.Issuance;

/// <summary>The renewal half of <see cref="AwardIssuer"/>'s write, for manual batches and automatic issuance alike.</summary>
public static class AwardRenewalWriter
{
    /// <summary>
    /// Inside the caller's transaction, writes renewals set-based: each renewal row is keyed by the credential it supersedes,
    /// so of concurrent renewals of one award one is inserted and the others are lost; then the awards of the inserted ones
    /// take their new credential and validity in one UPDATE (an award revoked meanwhile does not, and its renewal is taken
    /// back), and their provider deliveries are asked to send the new expiry.
    /// </summary>
    public static async Task<(List<AwardRenewal> Renewed, List<AwardRenewal> Lost, List<AwardRenewal> Revoked)> WriteRenewalsAsync(
        this RosetteDb db, List<AwardRenewal> renewals, DateTime now, CancellationToken cancellationToken)
    {
        if (renewals.Count == 0)
        {
            return ([], [], []);
        }
        var won = await db.InsertAsync(renewals, ignoreConflicts: true, r => r.PreviousCredentialId, cancellationToken);
        var renewed = renewals.Where(r => won.Contains(r.PreviousCredentialId)).ToList();
        var lost = renewals.Where(r => !won.Contains(r.PreviousCredentialId)).ToList();
        var awardIds = renewed.Select(r => r.AwardId).ToList();
        var revoked = new List<AwardRenewal>();
        if (awardIds.Count > 0)
        {
            // Every SET reads the row as it was, so each subquery finds the renewal of the credential the award held.
            var applied = await db.Awards.Where(a => awardIds.Contains(a.Id) && a.RevokedAt == null).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.CredentialId, a => db.AwardRenewals.Where(r => r.PreviousCredentialId == (a.CredentialId ?? a.Id)).Select(r => (Guid?)r.CredentialId).FirstOrDefault())
                .SetProperty(a => a.RenewedAt, a => db.AwardRenewals.Where(r => r.PreviousCredentialId == (a.CredentialId ?? a.Id)).Select(r => (DateTime?)r.RenewedAt).FirstOrDefault())
                .SetProperty(a => a.ExpiresAt, a => db.AwardRenewals.Where(r => r.PreviousCredentialId == (a.CredentialId ?? a.Id)).Select(r => r.ValidUntil).FirstOrDefault()),
                cancellationToken);
            if (applied < awardIds.Count)
            {
                var gone = (await db.Awards.Where(a => awardIds.Contains(a.Id) && a.RevokedAt != null).Select(a => a.Id).ToListAsync(cancellationToken)).ToHashSet();
                revoked = renewed.Where(r => gone.Contains(r.AwardId)).ToList();
                var takenBack = revoked.Select(r => r.PreviousCredentialId).ToList();
                await db.AwardRenewals.Where(r => takenBack.Contains(r.PreviousCredentialId)).ExecuteDeleteAsync(cancellationToken);
                renewed = renewed.Where(r => !gone.Contains(r.AwardId)).ToList();
            }
            await db.RequestRenewalsAsync(renewed.Select(r => r.AwardId).ToList(), now, cancellationToken);
        }
        return (renewed, lost, revoked);
    }
}
