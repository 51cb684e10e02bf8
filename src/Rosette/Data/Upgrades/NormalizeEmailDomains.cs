using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Users;

namespace Rosette.Data.Upgrades;

/// <summary>
/// Gives every user the normalized email <see cref="EmailAddress.Normalize"/> now writes (an internationalized domain in its
/// ASCII form), so that the unique index sees one address in both of its spellings. Users written before held their domain
/// as typed. When two users are one address in two spellings, the one that already holds the form keeps it; the other keeps
/// its old form, and a Warning names both for an administrator to resolve (deactivate one, or correct its address).
/// </summary>
internal static class NormalizeEmailDomains
{
    public const string Name = "normalize-email-domains";

    public static async Task RunAsync(RosetteDb db, ILogger logger, CancellationToken cancellationToken)
    {
        var changes = new List<(Guid Id, string Normalized)>();
        await foreach (var user in db.Users.AsNoTracking().Select(u => new { u.Id, u.Email, u.NormalizedEmail }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var normalized = EmailAddress.Normalize(user.Email);
            if (normalized != user.NormalizedEmail)
            {
                changes.Add((user.Id, normalized));
            }
        }
        foreach (var (id, normalized) in changes)
        {
            var holder = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(cancellationToken);
            if (holder is null)
            {
                try
                {
                    await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.NormalizedEmail, normalized), cancellationToken);
                    continue;
                }
                catch (Exception e) when (DbErrors.IsUniqueViolation(e))
                {
                    // A user with the other spelling was created meanwhile, by an instance of the earlier version.
                }
            }
            logger.LogWarning(
                "Users {UserId} and {OtherUserId} have one email address in two spellings ({NormalizedEmail}); the first keeps the form it had. Deactivate one of them or correct its address.",
                id, holder?.ToString() ?? "(created meanwhile)", normalized);
        }
    }
}
