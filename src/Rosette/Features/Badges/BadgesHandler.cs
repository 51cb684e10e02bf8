using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Domain.Badges;
using Rosette.Features.Audit;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Badges;

public sealed record CreateBadgeRequest(
    string? Name, string? Description, string? Criteria, Guid? OrganizationId, bool? AllowManualIssuance,
    IReadOnlyList<Guid>? AvailableToOrganizationIds, string? Image, int? ValidityDays, int? RenewalWindowDays = null, IReadOnlyList<int>? ReminderDays = null,
    bool? SendReminders = null, string? RenewalInstructions = null);

public sealed record UpdateBadgeRequest(
    string? Name, string? Description, string? Criteria, bool? AllowManualIssuance, bool? Archived,
    IReadOnlyList<Guid>? AvailableToOrganizationIds, string? Image, int? ValidityDays, bool? NeverExpires, int? RenewalWindowDays = null,
    IReadOnlyList<int>? ReminderDays = null, bool? SendReminders = null, string? RenewalInstructions = null);

public sealed record BadgeListRequest(int? Page, int? PageSize, string? Search, Guid? OrganizationId, bool? Archived);

public sealed class BadgesHandler(RosetteDb db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The refusal of the badge routes and pages, declared by policy on each (see <see cref="BadgesApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators manage badges.");

    public async Task<Result<BadgeDto>> CreateAsync(Actor actor, CreateBadgeRequest request, CancellationToken cancellationToken)
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
        var image = request.Image is null ? null : errors.Check(BadgeImages.ParseDataUri(request.Image));
        var availableTo = await db.LoadAvailabilityAsync(request.AvailableToOrganizationIds, errors, BadgeErrors.InvalidAvailability, cancellationToken);
        var now = clock.UtcNowSeconds();
        var badge = errors.Check(Badge.Create(request.Name, request.Description, request.Criteria, organization,
            request.AllowManualIssuance ?? false, request.ValidityDays, availableTo ?? [], now));
        if (badge is not null && badge.SetLifecycle(new BadgeLifecycle(request.RenewalWindowDays, request.ReminderDays, request.SendReminders, request.RenewalInstructions), now)
            is { } lifecycle)
        {
            errors.Add(lifecycle);
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        db.Badges.Add(badge!);
        if (image is not null)
        {
            badge!.SetImage(image.ContentType, now);
            db.BadgeImages.Add(new BadgeImage(badge.Id, image.ContentType, image.Data));
        }
        audit.Record(actor, AuditKind.BadgeCreated, organization.Id, badge!.Id, $"Created badge '{badge.Name}'", new
        {
            badge.Name, badge.AllowManualIssuance, badge.ValidityDays, image = badge.ImageContentType,
            availableTo = badge.Availability.Select(a => a.OrganizationId),
        });
        await db.SaveChangesAsync(cancellationToken);
        return BadgeDto.From(badge!);
    }

    public async Task<Result<Paged<BadgeDto>>> ListAsync(Actor actor, BadgeListRequest request, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(request.Page, request.PageSize, request.Search);
        if (paging.Validate() is { } invalid)
        {
            return invalid;
        }
        var query = db.Badges.AsNoTracking().Include(b => b.Availability).AdministeredBy(db, actor);
        if (paging.Term is { } term)
        {
            query = query.Where(b => b.Name.ToLower().Contains(term));
        }
        if (request.OrganizationId is { } organizationId)
        {
            query = query.Where(b => b.OrganizationId == organizationId);
        }
        if (request.Archived is { } archived)
        {
            query = query.Where(b => b.IsArchived == archived);
        }
        return await paging.ToPageAsync(query.OrderBy(b => b.Name).ThenBy(b => b.Id), BadgeDto.From, cancellationToken);
    }

    public async Task<Result<BadgeDto>> GetAsync(Actor actor, Guid id, CancellationToken cancellationToken)
    {
        var badge = await db.Badges.AsNoTracking().Include(b => b.Availability).AdministeredBy(db, actor).SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        return badge is null ? CommonErrors.NotFound("badge", id) : BadgeDto.From(badge);
    }

    public async Task<Result<BadgeDto>> UpdateAsync(Actor actor, Guid id, UpdateBadgeRequest request, CancellationToken cancellationToken)
    {
        var badge = await db.Badges.Include(b => b.Availability).AdministeredBy(db, actor).SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (badge is null)
        {
            return CommonErrors.NotFound("badge", id);
        }
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == badge.OrganizationId, cancellationToken);
        var errors = new ValidationErrors();
        var image = request.Image is null ? null : errors.Check(BadgeImages.ParseDataUri(request.Image));
        var availableTo = await db.LoadAvailabilityAsync(request.AvailableToOrganizationIds, errors, BadgeErrors.InvalidAvailability, cancellationToken);
        var now = clock.UtcNowSeconds();
        var before = (badge.Name, badge.Description, badge.Criteria, badge.AllowManualIssuance, badge.IsArchived, badge.ValidityDays,
            Availability: AvailabilityOf(badge), badge.RenewalWindowDays, ReminderDays: string.Join(",", badge.ReminderDays), badge.SendReminders, badge.RenewalInstructions);
        if (!errors.Any)
        {
            var changes = new BadgeChanges(request.Name, request.Description, request.Criteria, request.AllowManualIssuance, request.Archived,
                request.ValidityDays, request.NeverExpires == true, availableTo);
            if (badge.Update(changes, organization, now) is { } error)
            {
                errors.Add(error);
            }
            else if (badge.SetLifecycle(new BadgeLifecycle(request.RenewalWindowDays, request.ReminderDays, request.SendReminders, request.RenewalInstructions), now)
                is { } lifecycle)
            {
                errors.Add(lifecycle);
            }
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        if (image is not null)
        {
            badge.SetImage(image.ContentType, now);
            var stored = await db.BadgeImages.SingleOrDefaultAsync(i => i.BadgeId == id, cancellationToken);
            if (stored is null)
            {
                db.BadgeImages.Add(new BadgeImage(id, image.ContentType, image.Data));
            }
            else
            {
                stored.ContentType = image.ContentType;
                stored.Data = image.Data;
            }
        }
        var changed = new ChangeSet().Add("name", before.Name, badge.Name).AddText("description", before.Description, badge.Description)
            .AddText("criteria", before.Criteria, badge.Criteria).Add("allowManualIssuance", before.AllowManualIssuance, badge.AllowManualIssuance)
            .Add("archived", before.IsArchived, badge.IsArchived).Add("validityDays", before.ValidityDays, badge.ValidityDays)
            .Add("availableToOrganizationIds", before.Availability, AvailabilityOf(badge)).Add("image", null, image?.ContentType)
            .Add("renewalWindowDays", before.RenewalWindowDays, badge.RenewalWindowDays).Add("reminderDays", before.ReminderDays, string.Join(",", badge.ReminderDays))
            .Add("sendReminders", before.SendReminders, badge.SendReminders).AddText("renewalInstructions", before.RenewalInstructions, badge.RenewalInstructions);
        if (changed.Any)
        {
            var kind = before.IsArchived == badge.IsArchived ? AuditKind.BadgeUpdated : badge.IsArchived ? AuditKind.BadgeArchived : AuditKind.BadgeRestored;
            var verb = kind switch { AuditKind.BadgeArchived => "Archived", AuditKind.BadgeRestored => "Restored", _ => "Updated" };
            audit.Record(actor, kind, badge.OrganizationId, badge.Id, $"{verb} badge '{badge.Name}': {changed.Fields}", changed.Data);
        }
        await db.SaveChangesAsync(cancellationToken);
        return BadgeDto.From(badge);
    }

    private static string AvailabilityOf(Badge badge) => string.Join(' ', badge.Availability.Select(a => a.OrganizationId).Order());
}
