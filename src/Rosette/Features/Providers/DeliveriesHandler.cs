using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

public sealed record DeliveryListRequest(int? Page, int? PageSize, string? Status, Guid? ProviderId, Guid? BadgeId);

/// <summary>Deliveries of the awards of an administrator's badges: read them, and retry the failed ones.</summary>
public sealed class DeliveriesHandler(RosetteDb db, DeliverySignal signal, TimeProvider clock)
{
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators see deliveries to badge providers.");

    public async Task<Result<Paged<DeliveryDto>>> ListAsync(Actor actor, DeliveryListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, null);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = Visible(actor);
        if (request.Status is not null)
        {
            if (!EnumText.TryParse<DeliveryStatus>(request.Status, out var status))
            {
                return InvalidError.Field("status", InvalidError.ValidationFailed, "'status' must be pending, delivered, failed, revocation_pending or revoked_at_provider.");
            }
            query = query.Where(r => r.Delivery.Status == status);
        }
        if (request.ProviderId is { } providerId)
        {
            query = query.Where(r => r.Delivery.ProviderId == providerId);
        }
        if (request.BadgeId is { } badgeId)
        {
            query = query.Where(r => r.BadgeId == badgeId);
        }
        return await paging.ToPageAsync(query.OrderByDescending(r => r.Delivery.CreatedAt).ThenBy(r => r.Delivery.AwardId), r => r.ToDto(null), cancellationToken);
    }

    public async Task<Result<DeliveryDto>> GetAsync(Actor actor, Guid awardId, CancellationToken cancellationToken)
    {
        var row = await Visible(actor).SingleOrDefaultAsync(r => r.Delivery.AwardId == awardId, cancellationToken);
        if (row is null)
        {
            return CommonErrors.NotFound("delivery", awardId);
        }
        var attempts = await db.DeliveryAttempts.AsNoTracking().Where(a => a.AwardId == awardId).OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Take(100).Select(a => new DeliveryAttemptDto(a.At, a.Operation, a.StatusCode, Text.Excerpt(a.Answer, DeliveryAttempt.ExcerptLength), a.DurationMs)).ToListAsync(cancellationToken);
        return row.ToDto(attempts);
    }

    public async Task<Result<DeliveryDto>> RetryAsync(Actor actor, Guid awardId, CancellationToken cancellationToken)
    {
        if (!await Visible(actor).AnyAsync(r => r.Delivery.AwardId == awardId, cancellationToken))
        {
            return CommonErrors.NotFound("delivery", awardId);
        }
        var delivery = await db.ProviderDeliveries.SingleAsync(d => d.AwardId == awardId, cancellationToken);
        if (delivery.Retry(clock.GetUtcNow().UtcDateTime) is { } error)
        {
            return error;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new ConflictError("delivery_changed", "The delivery changed meanwhile; reload and try again.");
        }
        // The answer is the delivery as this call left it: the dispatcher (woken or polling) may already have delivered it.
        var names = await GetAsync(actor, awardId, cancellationToken);
        signal.Notify();
        if (!names.IsSuccess)
        {
            return names;
        }
        return names.Value with
        {
            Status = delivery.Status, ProviderBadgeId = delivery.ProviderBadgeId, RevocationRequested = delivery.RevocationRequested,
            Attempts = delivery.Attempts, LastError = delivery.LastError, FirstAttemptAt = delivery.FirstAttemptAt,
            LastAttemptAt = delivery.LastAttemptAt, NextAttemptAt = delivery.NextAttemptAt, CompletedAt = delivery.CompletedAt,
        };
    }

    private IQueryable<DeliveryRow> Visible(Actor actor) =>
        from d in db.ProviderDeliveries.AsNoTracking()
        join a in db.Awards.VisibleTo(db, actor) on d.AwardId equals a.Id
        join b in db.Badges on a.BadgeId equals b.Id
        join s in db.Users on a.StudentId equals s.Id
        join p in db.BadgeProviders on d.ProviderId equals p.Id
        select new DeliveryRow
        {
            Delivery = d,
            ProviderName = p.Name,
            BadgeId = b.Id,
            BadgeName = b.Name,
            StudentId = s.Id,
            StudentName = PersonName.Full(s.FirstName, s.LastName),
        };

    /// <summary>Member-initialised so that EF can filter and order by its members.</summary>
    private sealed class DeliveryRow
    {
        public required ProviderDelivery Delivery { get; init; }

        public required string ProviderName { get; init; }

        public required Guid BadgeId { get; init; }

        public required string BadgeName { get; init; }

        public required Guid StudentId { get; init; }

        public required string StudentName { get; init; }

        public DeliveryDto ToDto(IReadOnlyList<DeliveryAttemptDto>? attempts) => new(
            Delivery.AwardId, Delivery.ProviderId, ProviderName, BadgeId, BadgeName, StudentId, StudentName, Delivery.Status, Delivery.ProviderBadgeId,
            Delivery.RevocationRequested, Delivery.Attempts, Text.Excerpt(Delivery.LastError, ProviderDelivery.LastErrorMaxLength), Delivery.CreatedAt, Delivery.FirstAttemptAt, Delivery.LastAttemptAt,
            Delivery.NextAttemptAt, Delivery.CompletedAt, attempts);
    }
}
