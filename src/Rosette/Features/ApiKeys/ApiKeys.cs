using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.ApiKeys;
using Rosette.Domain.Audit;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.ApiKeys;

/// <summary>
/// A key as the API and pages show it: never its secret, only its first characters (<see cref="Hint"/>). Status is
/// active, revoked, expired or suspended (its creator no longer holds its organization).
/// </summary>
public sealed record ApiKeyDto(
    Guid Id, string Name, Guid OrganizationId, IReadOnlyList<string> Permissions, string Hint, Guid CreatedById, string CreatedByName,
    DateTime CreatedAt, DateTime? ExpiresAt, DateTime? RevokedAt, DateTime? LastUsedAt, string Status);

/// <summary>The answer to creating a key: the only time its <see cref="Secret"/> is ever shown.</summary>
public sealed record CreatedApiKeyDto(ApiKeyDto Key, string Secret);

public sealed record CreateApiKeyRequest(string? Name, Guid? OrganizationId, IReadOnlyList<string>? Permissions, DateTime? ExpiresAt);

public sealed record ApiKeyQuery(int? Page, int? PageSize, Guid? OrganizationId);

/// <summary>Administrators create, list and revoke the API keys of their scope (see Features/ApiKeys/README.md).</summary>
public sealed class ApiKeysHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage API keys.");

    public async Task<Result<CreatedApiKeyDto>> CreateAsync(Actor actor, CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        if (request.OrganizationId is not { } organizationId)
        {
            return InvalidError.Field("organizationId", InvalidError.ValidationFailed, "'organizationId' is required.");
        }
        var organization = await db.Organizations.AdministeredBy(actor).AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null)
        {
            return CommonErrors.NotFound("organization", organizationId);
        }
        var now = clock.UtcNowSeconds();
        var created = ApiKey.Create(actor, request.Name, organization.Id, organization.Path, request.Permissions, request.ExpiresAt, now);
        if (!created.IsSuccess)
        {
            return created.Error;
        }
        var (key, secret) = created.Value;
        db.ApiKeys.Add(key);
        audit.Record(actor, AuditKind.ApiKeyCreated, key.OrganizationId, key.Id,
            $"Created API key '{key.Name}' for '{organization.Name}' ({string.Join(", ", ApiKey.NamesOf(key.Permissions))})",
            new { key.Name, permissions = ApiKey.NamesOf(key.Permissions), key.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKeyDto((await ShowAsync(db.ApiKeys.Where(k => k.Id == key.Id), now, cancellationToken)).Single(), secret);
    }

    public async Task<Result<Paged<ApiKeyDto>>> ListAsync(Actor actor, ApiKeyQuery query, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(query.Page, query.PageSize, null);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var keys = Administered(actor);
        if (query.OrganizationId is { } organizationId)
        {
            keys = keys.Where(k => k.OrganizationId == organizationId);
        }
        var ordered = keys.OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id);
        var total = await ordered.CountAsync(cancellationToken);
        var items = await ShowAsync(ordered.Skip((paging.PageNumber - 1) * paging.Size).Take(paging.Size), clock.UtcNowSeconds(), cancellationToken);
        return new Paged<ApiKeyDto>(items, paging.PageNumber, paging.Size, total);
    }

    public async Task<Result<ApiKeyDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var shown = await ShowAsync(Administered(actor).Where(k => k.Id == id), clock.UtcNowSeconds(), cancellationToken);
        return shown.Count == 0 ? CommonErrors.NotFound("api_key", id) : shown[0];
    }

    public async Task<Result<ApiKeyDto>> RevokeAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var found = await (from k in Administered(actor)
                           where k.Id == id
                           join o in db.Organizations on k.OrganizationId equals o.Id
                           select new { Key = k, o.Path }).SingleOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return CommonErrors.NotFound("api_key", id);
        }
        var now = clock.UtcNowSeconds();
        if (found.Key.Revoke(actor, found.Path, now) is { } error)
        {
            return error;
        }
        audit.Record(actor, AuditKind.ApiKeyRevoked, found.Key.OrganizationId, found.Key.Id, $"Revoked API key '{found.Key.Name}'");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiKeyErrors.AlreadyRevoked;
        }
        return (await ShowAsync(db.ApiKeys.Where(k => k.Id == id), now, cancellationToken)).Single();
    }

    private IQueryable<ApiKey> Administered(Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return db.ApiKeys.Where(k => organizations.Any(o => o.Id == k.OrganizationId));
    }

    /// <summary>The keys with their creator's current authority, which decides whether each is suspended.</summary>
    private async Task<List<ApiKeyDto>> ShowAsync(IQueryable<ApiKey> keys, DateTime now, CancellationToken cancellationToken)
    {
        var rows = await (from k in keys.AsNoTracking()
                          join o in db.Organizations on k.OrganizationId equals o.Id
                          join u in db.Users on k.CreatedById equals u.Id
                          join uo in db.Organizations on u.OrganizationId equals uo.Id
                          select new { Key = k, o.Path, Creator = u, CreatorPath = uo.Path }).ToListAsync(cancellationToken);
        return rows.Select(r =>
        {
            var creator = r.Creator.IsActive ? new Authority(r.Creator.Role, r.CreatorPath, r.Creator.IsSystemAdministrator) : null;
            // api_key_revoked, api_key_expired, api_key_suspended: the status is the reason's last word.
            var status = r.Key.WhyNotUsable(now, r.Path, creator)?.Code["api_key_".Length..] ?? "active";
            var k = r.Key;
            return new ApiKeyDto(k.Id, k.Name, k.OrganizationId, ApiKey.NamesOf(k.Permissions), k.Hint, k.CreatedById, r.Creator.FullName,
                k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, status);
        }).ToList();
    }
}

public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder api)
    {
        // Not open to API keys: a key never makes or revokes keys.
        var group = api.MapGroup("/api-keys").WithTags("API keys").RequireAdministrator(ApiKeysHandler.AdministratorsOnly);
        group.MapPost("/", async Task<Results<Created<CreatedApiKeyDto>, ProblemHttpResult>> (
                CreateApiKeyRequest request, Actor actor, ApiKeysHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(k => $"/api/v1/api-keys/{k.Key.Id}"));
        group.MapGet("/", async Task<Results<Ok<Paged<ApiKeyDto>>, ProblemHttpResult>> (
                [AsParameters] ApiKeyQuery query, Actor actor, ApiKeysHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, query, ct)).ToOk());
        group.MapGet("/{id:guid}", async Task<Results<Ok<ApiKeyDto>, ProblemHttpResult>> (
                Guid id, Actor actor, ApiKeysHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        group.MapPost("/{id:guid}/revocation", async Task<Results<Ok<ApiKeyDto>, ProblemHttpResult>> (
                Guid id, Actor actor, ApiKeysHandler handler, CancellationToken ct) =>
            (await handler.RevokeAsync(actor, id, ct)).ToOk());
        return api;
    }
}
