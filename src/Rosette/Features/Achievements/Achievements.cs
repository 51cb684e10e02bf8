using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Audit;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Achievements;

public sealed record AchievementDto(
    Guid Id, Guid OrganizationId, string Name, string Description, int Points, int Frequency, FrequencyType FrequencyType, bool Enabled,
    Guid? BadgeId, JsonElement Conditions, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static AchievementDto From(Achievement a) => new(
        a.Id, a.OrganizationId, a.Name, a.Description, a.Points, a.Frequency, a.FrequencyType, a.IsEnabled, a.BadgeId,
        ConditionJson.ToElement(a.Conditions), a.CreatedAt, a.UpdatedAt);
}

public sealed record CreateAchievementRequest(
    Guid? OrganizationId, string? Name, string? Description, int? Points, int? Frequency, FrequencyType? FrequencyType, bool? Enabled,
    Guid? BadgeId, JsonElement? Conditions);

public sealed record UpdateAchievementRequest(
    string? Name, string? Description, int? Points, int? Frequency, FrequencyType? FrequencyType, bool? Enabled,
    Guid? BadgeId, bool? RemoveBadge, JsonElement? Conditions);

public sealed record AchievementListRequest(int? Page, int? PageSize, string? Search, Guid? OrganizationId, bool? Enabled);

/// <summary>
/// Administrators manage the achievements of the organizations in their scope. Creating or enabling an achievement, giving
/// it new conditions or a badge, publishes <see cref="AchievementTopics.Evaluate"/> in the same transaction: the outbox
/// then awards it retroactively (<see cref="RetroactiveEvaluationHandler"/>). Every change is audited with it, in the same
/// unit of work; an edit that changes nothing writes no entry.
/// </summary>
public sealed class AchievementsHandler(RosetteDb db, OutboxSignal outbox, AuditLog audit, TimeProvider clock)
{
    public async Task<Result<AchievementDto>> CreateAsync(Actor actor, CreateAchievementRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var organizationPath = await db.Organizations.AdministeredBy(actor).Where(o => o.Id == organizationId).Select(o => o.Path).SingleOrDefaultAsync(cancellationToken);
        if (organizationPath is null)
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        var errors = new ValidationErrors();
        var conditions = request.Conditions is { ValueKind: not JsonValueKind.Null } json
            ? await ConditionsAsync(actor, json, organizationPath, errors, cancellationToken) : null;
        var badge = request.BadgeId is { } badgeId ? await LoadBadgeAsync(actor, badgeId, cancellationToken) : null;
        var changes = new AchievementChanges(request.Name, request.Description, request.Points ?? 0, request.Frequency ?? 1,
            request.FrequencyType ?? FrequencyType.PerUser, request.Enabled ?? true, request.BadgeId, false);
        var created = Achievement.Create(organizationId, changes, conditions, badge, clock.UtcNowSeconds(), errors);
        if (errors.Any)
        {
            return ErrorOf(errors);
        }
        db.Achievements.Add(created.Value);
        audit.Record(actor, AuditKind.AchievementCreated, organizationId, created.Value.Id, $"Created achievement '{created.Value.Name}'",
            new { created.Value.Points, created.Value.Frequency, frequencyType = Snapshot.Wire(created.Value.FrequencyType), enabled = created.Value.IsEnabled, created.Value.BadgeId });
        await SaveAsync(created.Value, created.Value.IsEnabled, cancellationToken);
        return AchievementDto.From(created.Value);
    }

    public async Task<Result<Paged<AchievementDto>>> ListAsync(Actor actor, AchievementListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, request.Search);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = db.Achievements.AsNoTracking().AdministeredBy(db, actor);
        if (paging.Term is { } term)
        {
            query = query.Where(a => a.Name.ToLower().Contains(term));
        }
        if (request.OrganizationId is { } organizationId)
        {
            query = query.Where(a => a.OrganizationId == organizationId);
        }
        if (request.Enabled is { } enabled)
        {
            query = query.Where(a => a.IsEnabled == enabled);
        }
        return await paging.ToPageAsync(query.OrderBy(a => a.Name).ThenBy(a => a.Id), AchievementDto.From, cancellationToken);
    }

    public async Task<Result<AchievementDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await FindAsync(actor, id, tracked: false, cancellationToken);
        return found.IsSuccess ? AchievementDto.From(found.Value) : found.Error;
    }

    public async Task<Result<AchievementDto>> UpdateAsync(Actor actor, Guid id, UpdateAchievementRequest request, CancellationToken cancellationToken)
    {
        var found = await FindAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var achievement = found.Value;
        var before = Snapshot.Of(achievement);
        var errors = new ValidationErrors();
        var conditions = request.Conditions is { ValueKind: not JsonValueKind.Null } json
            ? await ConditionsAsync(actor, json, await db.Organizations.Where(o => o.Id == achievement.OrganizationId).Select(o => o.Path).SingleAsync(cancellationToken),
                errors, cancellationToken)
            : null;
        var badge = request.BadgeId is { } badgeId && request.RemoveBadge != true ? await LoadBadgeAsync(actor, badgeId, cancellationToken) : null;
        var changes = new AchievementChanges(request.Name, request.Description, request.Points, request.Frequency, request.FrequencyType,
            request.Enabled, request.BadgeId, request.RemoveBadge ?? false);
        var updated = achievement.Update(changes, conditions, badge, clock.UtcNowSeconds(), errors);
        if (errors.Any)
        {
            return ErrorOf(errors);
        }
        RecordUpdate(actor, achievement, before);
        await SaveAsync(achievement, updated.Value, cancellationToken);
        return AchievementDto.From(achievement);
    }

    public async Task<Result<AchievementDto>> SetEnabledAsync(Actor actor, Guid id, bool enabled, CancellationToken cancellationToken)
    {
        var found = await FindAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        var before = Snapshot.Of(found.Value);
        var retroactive = found.Value.SetEnabled(enabled, clock.UtcNowSeconds());
        RecordUpdate(actor, found.Value, before);
        await SaveAsync(found.Value, retroactive, cancellationToken);
        return AchievementDto.From(found.Value);
    }

    /// <summary>An achievement nobody has earned can be deleted; one that has been earned is disabled instead.</summary>
    public async Task<Error?> DeleteAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await FindAsync(actor, id, tracked: true, cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Error;
        }
        if (await db.AchievementAwards.AnyAsync(a => a.AchievementId == id, cancellationToken))
        {
            return AchievementErrors.HasEarnings;
        }
        db.Achievements.Remove(found.Value);
        var entry = audit.Record(actor, AuditKind.AchievementDeleted, found.Value.OrganizationId, id, $"Deleted achievement '{found.Value.Name}'",
            new { found.Value.Name });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted by a concurrent request a moment ago: as if it had not been there.
            audit.Discard(entry);
            return CommonErrors.NotFound("achievement", id);
        }
        catch (DbUpdateException)
        {
            // Earned in the meantime: the foreign key refuses the delete.
            audit.Discard(entry);
            return AchievementErrors.HasEarnings;
        }
        return null;
    }

    /// <summary>What an edit may change, before it: compared with the achievement after it for the audit entry.</summary>
    private sealed record Snapshot(string Name, string Description, int Points, int Frequency, string FrequencyType, bool Enabled,
        Guid? BadgeId, string Conditions)
    {
        public static Snapshot Of(Achievement a) =>
            new(a.Name, a.Description, a.Points, a.Frequency, Wire(a.FrequencyType), a.IsEnabled, a.BadgeId, ConditionJson.Serialize(a.Conditions));

        /// <summary>As the API writes it ("per_user").</summary>
        public static string Wire(FrequencyType type) => JsonNamingPolicy.SnakeCaseLower.ConvertName(type.ToString());
    }

    private void RecordUpdate(Actor actor, Achievement achievement, Snapshot before)
    {
        var after = Snapshot.Of(achievement);
        var changes = new ChangeSet().Add("name", before.Name, after.Name).AddText("description", before.Description, after.Description)
            .Add("points", before.Points, after.Points).Add("frequency", before.Frequency, after.Frequency)
            .Add("frequencyType", before.FrequencyType, after.FrequencyType).Add("enabled", before.Enabled, after.Enabled)
            .Add("badgeId", before.BadgeId, after.BadgeId).AddText("conditions", before.Conditions, after.Conditions);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.AchievementUpdated, achievement.OrganizationId, achievement.Id,
                $"Updated achievement '{achievement.Name}': {changes.Fields}", changes.Data);
        }
    }

    private async Task<Result<Achievement>> FindAsync(Actor actor, Guid id, bool tracked, CancellationToken cancellationToken)
    {
        var query = db.Achievements.AdministeredBy(db, actor);
        var achievement = await (tracked ? query : query.AsNoTracking()).SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return achievement is null ? CommonErrors.NotFound("achievement", id) : achievement;
    }

    /// <summary>
    /// Parses the conditions and checks their courses for an achievement of the organization at <paramref name="organizationPath"/>
    /// (<see cref="AchievementRules.WhyNotName"/>). Only courses the actor may name are loaded: any other is unknown, like an
    /// id that names no course.
    /// </summary>
    private async Task<Condition?> ConditionsAsync(Actor actor, JsonElement json, string organizationPath, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var parsed = errors.Check(ConditionJson.Parse(json));
        if (parsed is null)
        {
            return null;
        }
        var ids = parsed.Courses().Distinct().ToList();
        var seen = ids.Count == 0 ? new Dictionary<Guid, NamedCourse>() : await (
                from c in db.Courses.NameableBy(db, actor)
                where ids.Contains(c.Id)
                join o in db.Organizations on c.OrganizationId equals o.Id
                select new NamedCourse(c.Id, c.Name, o.Path, c.EnableAchievementsForOutsideOrganizations))
            .ToDictionaryAsync(c => c.Id, cancellationToken);
        if (AchievementRules.WhyNotName(parsed, seen, organizationPath) is { } error)
        {
            errors.Add(error);
            return null;
        }
        return parsed;
    }

    /// <summary>Problems only with the conditions keep their own code, however many paths they concern.</summary>
    private static InvalidError ErrorOf(ValidationErrors errors)
    {
        var error = errors.ToError();
        return error.Code == InvalidError.ValidationFailed && error.Fields is { Count: > 0 } fields && fields.Keys.All(k => k.StartsWith("conditions", StringComparison.Ordinal))
            ? error with { Code = AchievementErrors.InvalidConditions }
            : error;
    }

    /// <summary>A badge the actor may not choose is not loaded: it is answered like an id that names no badge.</summary>
    private Task<Domain.Badges.Badge?> LoadBadgeAsync(Actor actor, Guid badgeId, CancellationToken cancellationToken) =>
        db.Badges.ChoosableBy(db, actor).AsNoTracking().Include(b => b.Availability).SingleOrDefaultAsync(b => b.Id == badgeId, cancellationToken);

    private async Task SaveAsync(Achievement achievement, bool retroactive, CancellationToken cancellationToken)
    {
        if (retroactive)
        {
            db.Publish(AchievementTopics.Evaluate, new EvaluateAchievement(achievement.Id), clock.GetUtcNow().UtcDateTime);
        }
        await db.SaveChangesAsync(cancellationToken);
        if (retroactive)
        {
            outbox.Notify();
        }
    }
}

public static class AchievementTopics
{
    /// <summary>Award an achievement retroactively to everyone who has met its requirements: payload <see cref="EvaluateAchievement"/>.</summary>
    public const string Evaluate = "achievements.evaluate";
}

public sealed record EvaluateAchievement(Guid AchievementId);
