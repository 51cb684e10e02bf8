using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Issuance;
using Rosette.Features.Audit;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Issuance;

/// <summary>Filters and position: <c>after</c> is the <c>next</c> of the page before (keyset paging, decision 0018).</summary>
public sealed record AwardListRequest(int? Page, int? PageSize, Guid? StudentId, Guid? BadgeId, Guid? ClassId, string? After = null);

public sealed record RevokeAwardRequest(string? Reason, bool? SuppressNotifications);

/// <summary>Reading awards (scoped by <see cref="ScopeQueries.VisibleTo(IQueryable{Award}, RosetteDb, Actor)"/>) and revoking them.</summary>
public sealed class AwardsHandler(RosetteDb db, OutboxSignal outbox, DeliverySignal deliveries, AuditLog audit, RosetteMetrics metrics, TimeProvider clock)
{
    private const byte CursorList = 0xA1;

    /// <summary>The cursor of the page that follows this award in the list's order (IssuedAt descending, then Id).</summary>
    public static string CursorAfter(DateTime issuedAt, Guid id) => Cursor.Encode(CursorList, issuedAt, id);

    public async Task<Result<Paged<AwardDto>>> ListAsync(Actor actor, AwardListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, null);
        if (KeysetPaging.Validate(paging, request.After) is { } invalid)
        {
            return invalid;
        }
        DateTime afterAt = default;
        Guid afterId = default;
        if (request.After is not null && !Cursor.TryDecode(request.After, CursorList, out afterAt, out afterId))
        {
            return Cursor.Invalid;
        }
        var awards = db.Awards.AsNoTracking().VisibleTo(db, actor);
        if (request.StudentId is { } studentId)
        {
            awards = awards.Where(a => a.StudentId == studentId);
        }
        if (request.BadgeId is { } badgeId)
        {
            awards = awards.Where(a => a.BadgeId == badgeId);
        }
        if (request.ClassId is { } classId)
        {
            awards = awards.Where(a => a.ClassId == classId);
        }
        var page = awards;
        if (request.After is not null)
        {
            // The seek matches the ORDER BY below, compared by the database (Guids are text on SQLite, uuid on PostgreSQL), in
            // two ranges of IX_Awards_IssuedAt_Id (IssuedAt descending, Id): the rest of the cursor's instant, then the earlier
            // instants, each stopped at a page and one. So a cursor inside a large batch (one instant) reads none of the batch's
            // rows before it (decision 0018).
            var take = paging.Size + 1;
            page = page.Where(a => a.IssuedAt == afterAt && a.Id.CompareTo(afterId) > 0).OrderBy(a => a.Id).Take(take)
                .Concat(page.Where(a => a.IssuedAt < afterAt).OrderByDescending(a => a.IssuedAt).ThenBy(a => a.Id).Take(take));
        }
        var now = clock.UtcNowSeconds();
        return await KeysetPaging.ToPageAsync(paging, awards, Project(page).OrderByDescending(r => r.Award.IssuedAt).ThenBy(r => r.Award.Id),
            r => r.ToDto(now), r => CursorAfter(r.Award.IssuedAt, r.Award.Id), cancellationToken);
    }

    public async Task<Result<AwardDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var row = await Project(db.Awards.AsNoTracking().VisibleTo(db, actor).Where(a => a.Id == id)).SingleOrDefaultAsync(cancellationToken);
        return row is null ? CommonErrors.NotFound("award", id) : row.ToDto(clock.UtcNowSeconds());
    }

    /// <summary>Administrators of the badge's organization revoke, with a reason; the student may then earn the badge again.</summary>
    public async Task<Result<AwardDto>> RevokeAsync(Actor actor, Guid id, RevokeAwardRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var error = await RevokeOnceAsync(actor, id, request, cancellationToken);
                return error is null ? await GetAsync(actor, id, cancellationToken) : error;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Another revocation of this award, or the delivery dispatcher recording an answer, committed first: nothing of
                // this attempt was stored; start again from fresh rows (a revoked award then answers already_revoked).
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<Error?> RevokeOnceAsync(Actor actor, Guid id, RevokeAwardRequest request, CancellationToken cancellationToken)
    {
        var award = await db.Awards.VisibleTo(db, actor).SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (award is null)
        {
            return CommonErrors.NotFound("award", id);
        }
        if (!actor.IsAdministrator)
        {
            return IssuanceErrors.RevocationAdministratorsOnly;
        }
        var now = clock.UtcNowSeconds();
        if (award.Revoke(actor.UserId, request.Reason, now) is { } error)
        {
            return error;
        }
        db.Publish(OutboxTopics.AwardRevoked, new AwardRevoked(award.Id, request.SuppressNotifications ?? false), now);
        // The provider revokes too: recorded in the same transaction as the revocation.
        var delivery = await db.ProviderDeliveries.SingleOrDefaultAsync(d => d.AwardId == id, cancellationToken);
        delivery?.RequestRevocation(now);
        var facts = await (from b in db.Badges
                           where b.Id == award.BadgeId
                           join s in db.Users on award.StudentId equals s.Id
                           select new { Badge = b.Name, b.OrganizationId, Student = PersonName.Full(s.FirstName, s.LastName), s.Email }).SingleAsync(cancellationToken);
        audit.Record(actor, AuditKind.AwardRevoked, facts.OrganizationId, award.Id,
            $"Revoked '{facts.Badge}' from {facts.Student} ({facts.Email}): {award.RevocationReason}", new { awardId = award.Id, award.BadgeId, award.StudentId });
        await db.SaveChangesAsync(cancellationToken);
        metrics.Revoked();
        outbox.Notify();
        if (delivery is not null)
        {
            deliveries.Notify();
        }
        return null;
    }

    private IQueryable<AwardRow> Project(IQueryable<Award> awards) =>
        from a in awards
        join b in db.Badges on a.BadgeId equals b.Id
        join s in db.Users on a.StudentId equals s.Id
        join i in db.Users on a.IssuedById equals i.Id into issuers
        from i in issuers.DefaultIfEmpty()
        select new AwardRow
        {
            Award = a,
            BadgeName = b.Name,
            StudentName = PersonName.Full(s.FirstName, s.LastName),
            IssuedByName = i == null ? null : PersonName.Full(i.FirstName, i.LastName),
        };

    /// <summary>Member-initialised (not positional) so that EF can order by its members.</summary>
    private sealed class AwardRow
    {
        public required Award Award { get; init; }

        public required string BadgeName { get; init; }

        public required string StudentName { get; init; }

        public string? IssuedByName { get; init; }

        public AwardDto ToDto(DateTime now) => new(
            Award.Id, Award.BadgeId, BadgeName, Award.StudentId, StudentName, Award.IssuedAt, Award.IssuedById, IssuedByName, Award.Source,
            Award.ClassId, Award.CourseAssignmentId, Award.BatchId, Award.Narrative, Award.ExpiresAt, Award.StatusAt(now), Award.RevokedAt,
            Award.RevokedById, Award.RevocationReason);
    }
}
