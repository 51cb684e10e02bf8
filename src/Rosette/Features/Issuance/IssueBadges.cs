using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Features.Classes;

namespace Rosette.Features.Issuance;

public sealed record IssueBadgesRequest(IReadOnlyList<Guid>? BadgeIds, IReadOnlyList<Guid>? StudentIds, string? Narrative, bool? SuppressNotifications);

/// <summary>
/// Manual issuance in a class: the cross product of the chosen badges and students, each pair decided by
/// <see cref="IssuanceRules"/>. Everything is loaded once for the whole batch (badges, students with their enrollment,
/// the awards they hold), decided in memory, and written set-based in one transaction by <see cref="AwardIssuer"/>.
/// </summary>
public sealed class IssueBadgesHandler(RosetteDb db, AwardIssuer issuer, TimeProvider clock)
{
    public async Task<Result<IssueBadgesResult>> HandleAsync(
        Actor actor, Guid classId, IssueBadgesRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var badgeIds = request.BadgeIds?.Distinct().ToList() ?? [];
        var studentIds = request.StudentIds?.Distinct().ToList() ?? [];
        if (Validate(badgeIds.Count, studentIds.Count, request.Narrative, idempotencyKey) is { } invalid)
        {
            return invalid;
        }
        var loaded = await db.LoadClassToTeachAsync(actor, classId, IssuanceErrors.IssuersOnly, cancellationToken);
        if (!loaded.IsSuccess)
        {
            return loaded.Error;
        }
        var context = loaded.Value;
        var narrative = Text.Optional("narrative", request.Narrative, Award.NarrativeMaxLength).Value;
        var suppress = request.SuppressNotifications ?? false;
        var requestHash = idempotencyKey is null ? null : IssuanceBatch.Fingerprint(classId, badgeIds, studentIds, narrative, suppress);
        if (idempotencyKey is not null && await PreviousResultAsync(actor, idempotencyKey, requestHash!, cancellationToken) is { } previous)
        {
            return previous;
        }
        // Decided over badges and students each in id order, the pairs come in the canonical order they are written in.
        badgeIds.Sort();
        studentIds.Sort();

        var badges = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, cancellationToken);
        var students = await db.LoadStudentsInClassAsync(classId, studentIds, cancellationToken);
        var held = await db.HeldAwardsAsync(badgeIds, studentIds, cancellationToken, classId);
        var now = clock.UtcNowSeconds();
        var batch = IssuanceBatch.Create(AwardSource.Roster, classId, null, actor.PersonId, now, badgeIds.Count, studentIds.Count,
            narrative, suppress, idempotencyKey, requestHash, actor.ApiKeyId);

        var seen = await db.AdministeredAmongAsync(actor, badges.Values.Select(b => b.OrganizationId).Where(o => o != context.Organization.Id), cancellationToken);
        var badgeReasons = badgeIds.ToDictionary(id => id, id => IssuanceRules.WhyNotBadge(badges.GetValueOrDefault(id), id, context.Organization.Id, b => seen.Contains(b.OrganizationId)));
        var studentReasons = studentIds.ToDictionary(id => id, id => IssuanceRules.WhyNotStudent(students[id], id, context.Access, actor));
        var decisions = new List<PairDecision>(badgeIds.Count * studentIds.Count);
        foreach (var badgeId in badgeIds)
        {
            var (badgeReason, badge) = (badgeReasons[badgeId], badges.GetValueOrDefault(badgeId));
            foreach (var studentId in studentIds)
            {
                decisions.Add(Decide(badgeReason, studentReasons[studentId], badge, badgeId, studentId,
                    held.Count == 0 ? null : held.GetValueOrDefault((badgeId, studentId)), batch, now, narrative));
            }
        }
        // Null: a concurrent request with the same key stored its batch first; answer as a retry of it would be answered.
        return await issuer.WriteAsync(batch, decisions, new BatchPlace(context.Organization.Id, $"in class '{context.Class.Name}'"), started, cancellationToken)
            ?? (await PreviousResultAsync(actor, idempotencyKey!, requestHash!, cancellationToken))!.Value;
    }

    /// <summary>One pair's decision (<see cref="IssuanceRules.Decide"/>) with the award or renewal it writes.</summary>
    internal static PairDecision Decide(
        Error? badgeReason, Error? studentReason, Badge? badge, Guid badgeId, Guid studentId, Award? held, IssuanceBatch batch, DateTime now, string? narrative)
    {
        var verdict = IssuanceRules.Decide(badgeReason, studentReason, held is null ? null : new HeldAward(held.Id, held.IssuedAt, held.ExpiresAt), badge, now);
        return verdict.Outcome switch
        {
            PairOutcome.Issue => new PairDecision(badgeId, studentId, Award.Create(
                batch.AwardFacts(badgeId, studentId, now) with { Narrative = narrative, ExpiresAt = badge!.ExpiryFor(now) }), null),
            PairOutcome.Renew => new PairDecision(badgeId, studentId, null, null, held!.RenewalAt(now, badge!.ValidityDays, batch.IssuedById, batch.Source, batch.Id)),
            _ => new PairDecision(badgeId, studentId, null, verdict.Failure),
        };
    }

    internal static Error? Validate(int badges, int students, string? narrative, string? idempotencyKey)
    {
        if (IssuanceRules.CheckRequestSize(badges, students) is { } size)
        {
            return size;
        }
        if (Text.Optional("narrative", narrative, Award.NarrativeMaxLength).Error is { } invalidNarrative)
        {
            return invalidNarrative;
        }
        return idempotencyKey is not null && (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > IssuanceBatch.IdempotencyKeyMaxLength)
            ? InvalidError.Field("Idempotency-Key", InvalidError.ValidationFailed, $"The Idempotency-Key header must be 1 to {IssuanceBatch.IdempotencyKeyMaxLength} characters, not blank.")
            : null;
    }

    /// <summary>The stored answer to the caller's earlier request with this key (keys are per caller), or why it may not be replayed; null when there is none.</summary>
    private async Task<Result<IssueBadgesResult>?> PreviousResultAsync(Actor actor, string idempotencyKey, string requestHash, CancellationToken cancellationToken)
    {
        var batch = await db.IssuanceBatches.AsNoTracking()
            .SingleOrDefaultAsync(b => (actor.ApiKeyId == null ? b.IssuedById == actor.UserId : b.ApiKeyId == actor.ApiKeyId)
                && b.IdempotencyKey == idempotencyKey, cancellationToken);
        if (batch is null)
        {
            return null;
        }
        if (batch.CheckReplay(requestHash) is { } reused)
        {
            return reused;
        }
        return await IssueBadgesResult.LoadAsync(db, batch.Id, cancellationToken);
    }
}
