using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Badges;

/// <summary>Who holds a badge (its awards that are not revoked), for the administrators of the badge's organization; paged, or all as CSV.</summary>
public sealed class BadgeHoldersHandler(RosetteDb db, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> CsvHeader = ["first_name", "last_name", "email", "organization", "issued_at", "expires_at", "status", "award_id"];

    public async Task<Result<Paged<BadgeHolder>>> ListAsync(Actor actor, Guid badgeId, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var holders = await HoldersAsync(actor, badgeId, paging.Term, cancellationToken);
        if (!holders.IsSuccess)
        {
            return holders.Error;
        }
        var now = clock.UtcNowSeconds();
        return await paging.ToPageAsync(holders.Value, r => r.ToHolder(now), cancellationToken);
    }

    public async Task<Result<IAsyncEnumerable<BadgeHolder>>> ExportAsync(Actor actor, Guid badgeId, CancellationToken cancellationToken)
    {
        var holders = await HoldersAsync(actor, badgeId, null, cancellationToken);
        if (!holders.IsSuccess)
        {
            return holders.Error;
        }
        var now = clock.UtcNowSeconds();
        return Result.Success(holders.Value.AsAsyncEnumerable().Select(r => r.ToHolder(now)));
    }

    public static IEnumerable<string?> CsvFields(BadgeHolder h) =>
        [h.FirstName, h.LastName, h.Email, h.OrganizationName, CsvExport.Time(h.IssuedAt), CsvExport.Time(h.ExpiresAt), h.Status.ToString().ToLowerInvariant(), h.AwardId.ToString()];

    private async Task<Result<IQueryable<HolderRow>>> HoldersAsync(Actor actor, Guid badgeId, string? term, CancellationToken cancellationToken)
    {
        if (!actor.IsAdministrator)
        {
            return CommonErrors.Forbidden("Only administrators see who holds a badge.");
        }
        if (!await db.Badges.AdministeredBy(db, actor).AnyAsync(b => b.Id == badgeId, cancellationToken))
        {
            return CommonErrors.NotFound("badge", badgeId);
        }
        var rows = from a in db.Awards.AsNoTracking()
                   where a.BadgeId == badgeId && a.RevokedAt == null
                   join u in db.Users on a.StudentId equals u.Id
                   join o in db.Organizations on u.OrganizationId equals o.Id
                   where term == null || u.SearchText.Contains(term)
                   orderby u.LastName, u.FirstName, a.Id
                   select new HolderRow
                   {
                       AwardId = a.Id, StudentId = u.Id, FirstName = u.FirstName, LastName = u.LastName, Email = u.Email,
                       OrganizationName = o.Name, IssuedAt = a.IssuedAt, ExpiresAt = a.ExpiresAt,
                   };
        return Result.Success(rows);
    }

    private sealed class HolderRow
    {
        public Guid AwardId { get; init; }

        public Guid StudentId { get; init; }

        public string FirstName { get; init; } = "";

        public string LastName { get; init; } = "";

        public string Email { get; init; } = "";

        public string OrganizationName { get; init; } = "";

        public DateTime IssuedAt { get; init; }

        public DateTime? ExpiresAt { get; init; }

        public BadgeHolder ToHolder(DateTime now) =>
            new(AwardId, StudentId, FirstName, LastName, Email, OrganizationName, IssuedAt, ExpiresAt, Award.StatusOf(null, ExpiresAt, now));
    }
}
