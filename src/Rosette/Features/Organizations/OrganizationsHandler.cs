using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Organizations;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Organizations;

public sealed record CreateOrganizationRequest(string? Name, Guid? ParentId, bool? EnableAchievements, string? Language = null);

/// <summary>Fields left null are kept; an empty <c>language</c> clears it.</summary>
public sealed record UpdateOrganizationRequest(string? Name, Guid? ParentId, bool? EnableAchievements, string? Language = null, bool? SendExpiryReminders = null);

public sealed class OrganizationsHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The refusals of the organization routes and pages, declared by policy on each (see <see cref="OrganizationsApi"/>).</summary>
    public static readonly ForbiddenError ManagedByAdministratorsOnly = CommonErrors.Forbidden("Only administrators manage organizations.");

    public static readonly ForbiddenError SeenByAdministratorsOnly = CommonErrors.Forbidden("Only administrators see organizations.");

    public async Task<Result<OrganizationDto>> CreateAsync(Actor actor, CreateOrganizationRequest request, CancellationToken cancellationToken)
    {
        Organization? parent = null;
        if (request.ParentId is { } parentId)
        {
            parent = await db.Organizations.AdministeredBy(actor).SingleOrDefaultAsync(o => o.Id == parentId, cancellationToken);
            if (parent is null)
            {
                return CommonErrors.NotFound("organization", parentId);
            }
        }
        var created = Organization.Create(actor, request.Name, parent, clock.UtcNowSeconds());
        if (!created.IsSuccess)
        {
            return created.Error;
        }
        var organization = created.Value;
        organization.SetEnableAchievements(request.EnableAchievements ?? false);
        if (organization.SetLanguage(request.Language) is { } invalidLanguage)
        {
            return invalidLanguage;
        }
        db.Organizations.Add(organization);
        audit.Record(actor, AuditKind.OrganizationCreated, organization.Id, organization.Id,
            parent is null ? $"Created root organization '{organization.Name}'" : $"Created organization '{organization.Name}' under '{parent.Name}'",
            new { organization.Name, organization.ParentId, organization.EnableAchievements, organization.Language });
        await db.SaveChangesAsync(cancellationToken);
        return OrganizationDto.From(created.Value);
    }

    /// <summary>The names of these organizations, those of the administrator's scope (none for anyone else), for lists that name each row's organization.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(Actor actor, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }
        return await db.Organizations.AsNoTracking().AdministeredBy(actor).Where(o => wanted.Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
    }

    public async Task<Result<Paged<OrganizationDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = db.Organizations.AsNoTracking().AdministeredBy(actor);
        if (paging.Term is { } term)
        {
            query = query.Where(o => o.Name.ToLower().Contains(term));
        }
        return await paging.ToPageAsync(query.OrderBy(o => o.Path), OrganizationDto.From, cancellationToken);
    }

    public async Task<Result<OrganizationDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.AsNoTracking().AdministeredBy(actor).SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        return organization is null ? CommonErrors.NotFound("organization", id) : OrganizationDto.From(organization);
    }

    public async Task<Result<OrganizationDto>> UpdateAsync(Actor actor, Guid id, UpdateOrganizationRequest request, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.AdministeredBy(actor).SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organization is null)
        {
            return CommonErrors.NotFound("organization", id);
        }
        var before = (organization.Name, organization.ParentId, organization.EnableAchievements, organization.Language, organization.SendExpiryReminders);
        if (request.Name is not null && organization.Rename(request.Name) is { } invalidName)
        {
            return invalidName;
        }
        if (request.SendExpiryReminders is { } remind)
        {
            organization.SetSendExpiryReminders(remind);
        }
        if (request.EnableAchievements is { } enable)
        {
            organization.SetEnableAchievements(enable);
        }
        if (request.Language is not null && organization.SetLanguage(request.Language) is { } invalidLanguage)
        {
            return invalidLanguage;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (request.ParentId is { } parentId && parentId != organization.ParentId)
        {
            var parent = await db.Organizations.AdministeredBy(actor).SingleOrDefaultAsync(o => o.Id == parentId, cancellationToken);
            if (parent is null)
            {
                return CommonErrors.NotFound("organization", parentId);
            }
            var moved = organization.MoveUnder(actor, parent);
            if (!moved.IsSuccess)
            {
                return moved.Error;
            }
            var oldPath = moved.Value;
            var newPath = organization.Path;
#pragma warning disable CA1845 // SQL has SUBSTR, not spans
            await db.Organizations
                .Where(o => o.Path.StartsWith(oldPath) && o.Id != organization.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Path, o => newPath + o.Path.Substring(oldPath.Length)), cancellationToken);
#pragma warning restore CA1845
        }
        var changes = new ChangeSet().Add("name", before.Name, organization.Name)
            .Add("parentId", before.ParentId, organization.ParentId)
            .Add("enableAchievements", before.EnableAchievements, organization.EnableAchievements)
            .Add("language", before.Language, organization.Language)
            .Add("sendExpiryReminders", before.SendExpiryReminders, organization.SendExpiryReminders);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.OrganizationUpdated, organization.Id, organization.Id,
                $"Updated organization '{organization.Name}': {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return OrganizationDto.From(organization);
    }
}
