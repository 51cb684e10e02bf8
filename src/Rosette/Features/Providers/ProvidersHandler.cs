using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Providers;
using Rosette.Features.Audit;
using Rosette.Features.Badges;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

public sealed record CreateProviderRequest(
    string? Name, Guid? OrganizationId, ProviderType? Type, string? ProviderOrganizationId, string? ApiToken, string? ApiBaseUrl,
    IReadOnlyList<Guid>? AvailableToOrganizationIds, ProviderNotifications? Notifications = null);

public sealed record UpdateProviderRequest(
    string? Name, string? ProviderOrganizationId, string? ApiToken, string? ApiBaseUrl, IReadOnlyList<Guid>? AvailableToOrganizationIds,
    ProviderNotifications? Notifications = null);

public sealed record LinkBadgeProviderRequest(Guid? ProviderId, string? ProviderTemplateId);

public sealed class ProvidersHandler(RosetteDb db, ProviderTokens tokens, ProviderAddressRules addresses, AuditLog audit, TimeProvider clock)
{
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage badge providers.");

    public async Task<Result<ProviderDto>> CreateAsync(Actor actor, CreateProviderRequest request, CancellationToken cancellationToken)
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
        var errors = new ValidationErrors();
        var token = string.IsNullOrEmpty(request.ApiToken) ? null : CheckToken(request.ApiToken, errors);
        var availableTo = await db.LoadAvailabilityAsync(request.AvailableToOrganizationIds, errors, ProviderErrors.InvalidAvailability, cancellationToken);
        var created = errors.Check(BadgeProvider.Create(request.Name, organization, request.Type ?? ProviderType.Credly, request.ProviderOrganizationId,
            request.ApiBaseUrl, token is null ? null : tokens.Protect(token), availableTo ?? [], addresses, clock.UtcNowSeconds()));
        if (errors.Any)
        {
            return errors.ToError();
        }
        created!.SetNotifications(request.Notifications ?? ProviderNotifications.Rosette, clock.UtcNowSeconds());
        db.BadgeProviders.Add(created);
        audit.Record(actor, AuditKind.ProviderCreated, created.OrganizationId, created.Id, $"Created badge provider '{created.Name}' at {created.ApiBaseUrl}",
            new { created.Name, created.ProviderOrganizationId, created.ApiBaseUrl, created.Notifications, availableTo = created.Availability.Select(a => a.OrganizationId) });
        await db.SaveChangesAsync(cancellationToken);
        return ProviderDto.From(created!);
    }

    public async Task<Result<Paged<ProviderDto>>> ListAsync(Actor actor, PageRequest paging, CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = Administered(actor).Include(p => p.Availability).AsNoTracking();
        if (paging.Term is { } term)
        {
            query = query.Where(p => p.Name.ToLower().Contains(term));
        }
        return await paging.ToPageAsync(query.OrderBy(p => p.Name).ThenBy(p => p.Id), ProviderDto.From, cancellationToken);
    }

    public async Task<Result<ProviderDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var provider = await Administered(actor).Include(p => p.Availability).AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        return provider is null ? CommonErrors.NotFound("badge_provider", id) : ProviderDto.From(provider);
    }

    public async Task<Result<ProviderDto>> UpdateAsync(Actor actor, Guid id, UpdateProviderRequest request, CancellationToken cancellationToken)
    {
        var provider = await Administered(actor).Include(p => p.Availability).SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (provider is null)
        {
            return CommonErrors.NotFound("badge_provider", id);
        }
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == provider.OrganizationId, cancellationToken);
        var errors = new ValidationErrors();
        // An empty token field means "keep the current one": the token is write-only.
        var token = string.IsNullOrEmpty(request.ApiToken) ? null : CheckToken(request.ApiToken, errors);
        var availableTo = await db.LoadAvailabilityAsync(request.AvailableToOrganizationIds, errors, ProviderErrors.InvalidAvailability, cancellationToken);
        var before = (provider.Name, provider.ProviderOrganizationId, provider.ApiBaseUrl, Availability: AvailabilityText(provider));
        if (!errors.Any && provider.Update(request.Name, request.ProviderOrganizationId, request.ApiBaseUrl, token is null ? null : tokens.Protect(token),
                availableTo, organization, addresses, clock.UtcNowSeconds()) is { } error)
        {
            errors.Add(error);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var notificationsBefore = provider.Notifications;
        if (request.Notifications is { } notifications)
        {
            provider.SetNotifications(notifications, clock.UtcNowSeconds());
        }
        var changes = new ChangeSet().Add("name", before.Name, provider.Name)
            .Add("providerOrganizationId", before.ProviderOrganizationId, provider.ProviderOrganizationId)
            .Add("apiBaseUrl", before.ApiBaseUrl, provider.ApiBaseUrl)
            .Add("notifications", notificationsBefore, provider.Notifications)
            .Add("availableToOrganizationIds", before.Availability, AvailabilityText(provider));
        if (token is not null)
        {
            changes.AddText("apiToken", "", "(replaced)");
        }
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.ProviderUpdated, provider.OrganizationId, provider.Id, $"Updated badge provider '{provider.Name}': {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return ProviderDto.From(provider);
    }

    /// <summary>Links a badge of the administrator's scope to a provider template (or unlinks it when the provider is null).</summary>
    public async Task<Result<BadgeDto>> LinkBadgeAsync(Actor actor, Guid badgeId, LinkBadgeProviderRequest request, CancellationToken cancellationToken)
    {
        var badge = await db.Badges.Include(b => b.Availability).AdministeredBy(db, actor).SingleOrDefaultAsync(b => b.Id == badgeId, cancellationToken);
        if (badge is null)
        {
            return CommonErrors.NotFound("badge", badgeId);
        }
        BadgeProvider? provider = null;
        if (request.ProviderId is { } providerId)
        {
            provider = await db.BadgeProviders.Include(p => p.Availability).AsNoTracking().SingleOrDefaultAsync(p => p.Id == providerId, cancellationToken);
            // A provider the administrator neither manages nor is served by does not exist for them.
            var visible = provider is not null && (provider.ServesOrganization(badge.OrganizationId)
                || await Administered(actor).AnyAsync(p => p.Id == providerId, cancellationToken));
            if (!visible)
            {
                return CommonErrors.NotFound("badge_provider", providerId);
            }
        }
        var before = (badge.ProviderId, badge.ProviderTemplateId);
        if (badge.LinkProvider(provider, request.ProviderTemplateId, clock.UtcNowSeconds()) is { } error)
        {
            return error;
        }
        var changes = new ChangeSet().Add("providerId", before.ProviderId, badge.ProviderId).Add("providerTemplateId", before.ProviderTemplateId, badge.ProviderTemplateId);
        if (changes.Any)
        {
            audit.Record(actor, AuditKind.BadgeUpdated, badge.OrganizationId, badge.Id, $"Updated badge '{badge.Name}': {changes.Fields}", changes.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return BadgeDto.From(badge);
    }

    private static string AvailabilityText(BadgeProvider provider) => string.Join(",", provider.Availability.Select(a => a.OrganizationId).Order());

    private IQueryable<BadgeProvider> Administered(Actor actor)
    {
        var organizations = db.Organizations.AdministeredBy(actor);
        return db.BadgeProviders.Where(p => organizations.Any(o => o.Id == p.OrganizationId));
    }

    private static string? CheckToken(string? token, ValidationErrors errors)
    {
        var valid = errors.Check(Text.Required("apiToken", token, ProviderErrors.TokenMaxLength));
        return valid;
    }
}
