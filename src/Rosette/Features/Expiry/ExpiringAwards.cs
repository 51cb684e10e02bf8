using Rosette.Domain.Users;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Issuance;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Expiry;

public sealed record ExpiringAward(
    Guid AwardId, Guid CredentialId, Guid BadgeId, string BadgeName, Guid StudentId, string StudentName, string StudentEmail, Guid OrganizationId,
    DateTime IssuedAt, DateTime ExpiresAt, ExpiryState State, bool Renewable);

/// <summary>
/// <c>from</c>/<c>to</c>: the period the awards expire in (default: from now to 30 days ahead; a past <c>from</c> includes
/// expired ones). Filters: badge, the badge's organization (within the caller's scope), class, state, and a search on the
/// student's name or email.
/// </summary>
public sealed record ExpiringAwardsRequest(
    DateTime? From, DateTime? To, Guid? BadgeId, Guid? OrganizationId, Guid? ClassId, ExpiryState? State, string? Search, int? Page, int? PageSize)
{
    public ExpiringAwardsFilter ToFilter() => new(From, To, BadgeId, OrganizationId, ClassId, State, Search);
}

/// <summary>Which awards: the list's filters without its paging (the export is every award that matches).</summary>
public sealed record ExpiringAwardsFilter(DateTime? From, DateTime? To, Guid? BadgeId, Guid? OrganizationId, Guid? ClassId, ExpiryState? State, string? Search);

public sealed record RenewAwardsRequest(IReadOnlyList<Guid>? AwardIds, bool? SuppressNotifications);

/// <summary>
/// Administrators' view of awards expiring in a period (their scope: awards of badges they administer), as a page, the API
/// and CSV, and bulk renewal of the ones chosen: every renewable award gets a new credential in one batch, the others fail
/// with their reason (<c>not_renewable</c>, <c>award_revoked</c>, <c>badge_archived</c>, <c>unknown_award</c>).
/// </summary>
public sealed class ExpiringAwardsHandler(RosetteDb db, AwardIssuer issuer, TimeProvider clock)
{
    public const int MaxRenewalsPerRequest = 10_000;
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);
    public static readonly string[] CsvHeader = ["award_id", "credential_id", "badge", "student", "email", "issued_at", "expires_at", "state"];

    /// <summary>The refusal of the expiring-awards routes and page, declared by policy on each (see <see cref="ExpiringAwardsApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators list and renew expiring awards.");

    public async Task<Result<Paged<ExpiringAward>>> ListAsync(Actor actor, ExpiringAwardsRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, request.Search);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = Query(actor, request.ToFilter());
        if (!query.IsSuccess)
        {
            return query.Error;
        }
        var now = clock.UtcNowSeconds();
        return await paging.ToPageAsync(query.Value, r => r.ToAward(now), cancellationToken);
    }

    public Result<IAsyncEnumerable<ExpiringAward>> Export(Actor actor, ExpiringAwardsFilter filter)
    {
        var query = Query(actor, filter);
        var now = clock.UtcNowSeconds();
        return query.IsSuccess ? Result.Success(query.Value.AsAsyncEnumerable().Select(r => r.ToAward(now))) : query.Error;
    }

    public static IEnumerable<string?> CsvFields(ExpiringAward a) =>
        [a.AwardId.ToString(), a.CredentialId.ToString(), a.BadgeName, a.StudentName, a.StudentEmail, CsvExport.Time(a.IssuedAt), CsvExport.Time(a.ExpiresAt),
            System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(a.State.ToString())];

    private Result<IQueryable<Row>> Query(Actor actor, ExpiringAwardsFilter request)
    {
        var now = clock.UtcNowSeconds();
        var from = request.From?.ToUniversalTime() ?? now;
        var to = request.To?.ToUniversalTime() ?? now + DefaultPeriod;
        if (to < from)
        {
            return InvalidError.Field("to", InvalidError.ValidationFailed, "'to' must not be before 'from'.");
        }
        var awards = db.Awards.AsNoTracking().VisibleTo(db, actor).Where(a => a.RevokedAt == null && a.ExpiresAt != null && a.ExpiresAt >= from && a.ExpiresAt <= to);
        if (request.BadgeId is { } badgeId)
        {
            awards = awards.Where(a => a.BadgeId == badgeId);
        }
        if (request.ClassId is { } classId)
        {
            awards = awards.Where(a => a.ClassId == classId);
        }
        var term = new PageRequest(null, null, request.Search).Term;
        var rows = from a in awards
                   join b in db.Badges on a.BadgeId equals b.Id
                   join s in db.Users on a.StudentId equals s.Id
                   where term == null || s.SearchText.Contains(term)
                   select new Row
                   {
                       AwardId = a.Id, CredentialId = a.CredentialId ?? a.Id, BadgeId = b.Id, BadgeName = b.Name, OrganizationId = b.OrganizationId,
                       StudentId = s.Id, StudentName = PersonName.Full(s.FirstName, s.LastName), StudentEmail = s.Email, IssuedAt = a.IssuedAt,
                       ExpiresAt = a.ExpiresAt!.Value, RenewalWindowDays = b.RenewalWindowDays,
                   };
        if (request.OrganizationId is { } organizationId)
        {
            rows = rows.Where(r => r.OrganizationId == organizationId);
        }
        rows = request.State switch
        {
            ExpiryState.Expired => rows.Where(r => r.ExpiresAt <= now),
            ExpiryState.ExpiringSoon => rows.Where(r => r.ExpiresAt > now && r.ExpiresAt.AddDays(-r.RenewalWindowDays) <= now),
            ExpiryState.Valid => rows.Where(r => r.ExpiresAt > now && r.ExpiresAt.AddDays(-r.RenewalWindowDays) > now),
            _ => rows,
        };
        return Result.Success<IQueryable<Row>>(rows.OrderBy(r => r.ExpiresAt).ThenBy(r => r.AwardId));
    }

    /// <summary>Renews the chosen awards in one batch (source expiring_awards); each award renewed or failed with its reason.</summary>
    public async Task<Result<IssueBadgesResult>> RenewAsync(Actor actor, RenewAwardsRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ids = request.AwardIds?.Distinct().ToList() ?? [];
        if (ids.Count == 0 || ids.Count > MaxRenewalsPerRequest)
        {
            return InvalidError.Field("awardIds", ids.Count == 0 ? InvalidError.ValidationFailed : "batch_too_large",
                $"Choose from 1 to {MaxRenewalsPerRequest} awards to renew.");
        }
        var found = await (from a in db.Awards.AsNoTracking().VisibleTo(db, actor)
                           where ids.Contains(a.Id)
                           join b in db.Badges on a.BadgeId equals b.Id
                           select new { Award = a, Badge = b }).ToDictionaryAsync(r => r.Award.Id, cancellationToken);
        var now = clock.UtcNowSeconds();
        var batch = IssuanceBatch.Create(AwardSource.ExpiringAwards, null, null, actor.UserId, now, found.Values.Select(r => r.Badge.Id).Distinct().Count(),
            found.Values.Select(r => r.Award.StudentId).Distinct().Count(), null, request.SuppressNotifications ?? false, null);
        var decisions = new List<PairDecision>(ids.Count);
        foreach (var id in ids)
        {
            if (!found.TryGetValue(id, out var row))
            {
                // Unknown and out of scope alike: an id tells nothing more than an unknown one.
                decisions.Add(new PairDecision(Guid.Empty, Guid.Empty, null, new InvalidError("unknown_award", $"There is no award with id '{id}' that you administer."), AwardId: id));
                continue;
            }
            var (award, badge) = (row.Award, row.Badge);
            Error? failure = award.RevokedAt is not null ? IssuanceErrors.AwardRevoked(award.Id)
                : badge.IsArchived ? IssuanceErrors.BadgeArchived(badge)
                : !RenewalRules.IsRenewable(award.ExpiresAt, badge.RenewalWindowDays, now) ? IssuanceErrors.NotRenewable(award.Id, award.ExpiresAt, badge.RenewalWindowDays)
                : null;
            decisions.Add(failure is null
                ? new PairDecision(award.BadgeId, award.StudentId, null, null, award.RenewalAt(now, badge.ValidityDays, actor.UserId, AwardSource.ExpiringAwards, batch.Id))
                : new PairDecision(award.BadgeId, award.StudentId, null, failure, AwardId: award.Id));
        }
        return (await issuer.WriteAsync(batch, decisions, new BatchPlace(actor.OrganizationId, "from the expiring awards"), started, cancellationToken))!;
    }

    private sealed class Row
    {
        public Guid AwardId { get; init; }

        public Guid CredentialId { get; init; }

        public Guid BadgeId { get; init; }

        public string BadgeName { get; init; } = "";

        public Guid OrganizationId { get; init; }

        public Guid StudentId { get; init; }

        public string StudentName { get; init; } = "";

        public string StudentEmail { get; init; } = "";

        public DateTime IssuedAt { get; init; }

        public DateTime ExpiresAt { get; init; }

        public int RenewalWindowDays { get; init; }

        public ExpiringAward ToAward(DateTime now)
        {
            var state = RenewalRules.StateOf(null, ExpiresAt, RenewalWindowDays, now);
            return new(AwardId, CredentialId, BadgeId, BadgeName, StudentId, StudentName, StudentEmail, OrganizationId, IssuedAt, ExpiresAt, state,
                state is ExpiryState.Expired or ExpiryState.ExpiringSoon);
        }
    }
}

public static class ExpiringAwardsApi
{
    public static RouteGroupBuilder MapExpiringAwardsApi(this RouteGroupBuilder api)
    {
        // Only the expiring-awards routes: /awards holds routes other roles use.
        var awards = api.MapGroup("/awards/expiring").WithTags("Awards").RequireAdministrator(ExpiringAwardsHandler.AdministratorsOnly);
        awards.MapGet("/", async Task<Results<Ok<Paged<ExpiringAward>>, ProblemHttpResult>> (
                [AsParameters] ExpiringAwardsRequest request, Actor actor, ExpiringAwardsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, request, ct)).ToOk());
        awards.MapGet("/export", (
                [AsParameters] ExpiringAwardsFilter filter, Actor actor, ExpiringAwardsHandler handler, CancellationToken ct) =>
            {
                var rows = handler.Export(actor, filter);
                return rows.IsSuccess
                    ? CsvExport.Result("expiring-awards.csv", ExpiringAwardsHandler.CsvHeader, rows.Value, ExpiringAwardsHandler.CsvFields, ct)
                    : rows.Error.ToProblem();
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        api.MapPost("/award-renewals", async Task<Results<Ok<IssueBadgesResult>, ProblemHttpResult>> (
                RenewAwardsRequest request, Actor actor, ExpiringAwardsHandler handler, CancellationToken ct) =>
            (await handler.RenewAsync(actor, request, ct)).ToOk())
            .WithTags("Awards").RequireAdministrator(ExpiringAwardsHandler.AdministratorsOnly);
        return api;
    }
}
