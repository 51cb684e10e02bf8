using Rosette.Domain.Users;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Audit;

public sealed record AuditEntryDto(
    long Id, DateTime At, AuditKind Kind, Guid? ActorId, string? ActorName, string? ActorEmail, Guid? OrganizationId, string? OrganizationName,
    Guid? EntityId, string Summary, string? Data, string? IpAddress);

/// <summary>
/// The log's filters: organization (with its descendants), actor, kind, and a time range [from, to); <c>after</c> is the
/// <c>next</c> of the page before (keyset paging, decision 0018; the export ignores it, as it ignores the page).
/// </summary>
public sealed record AuditQuery(int? Page, int? PageSize, Guid? OrganizationId, Guid? ActorId, string? Kind, DateTime? From, DateTime? To, string? After = null)
{
    public AuditFilter ToFilter() => new(OrganizationId, ActorId, Kind, From, To);
}

/// <summary>Which entries: the list's filters without its paging (the export is every entry that matches, up to its cap).</summary>
public sealed record AuditFilter(Guid? OrganizationId, Guid? ActorId, string? Kind, DateTime? From, DateTime? To);

/// <summary>Reading the audit log: administrators only, and only the entries of organizations in their scope.</summary>
public sealed class AuditLogHandler(RosetteDb db)
{
    /// <summary>The refusal of the audit log's routes and page, declared by policy on each (see <see cref="AuditLogApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators read the audit log.");

    public const int MaxExportRows = 100_000;

    public static readonly IReadOnlyList<string> CsvHeader =
        ["id", "at", "kind", "actor_id", "actor_name", "actor_email", "organization_id", "organization", "entity_id", "summary", "data", "ip_address"];

    private const byte CursorList = 0xA2;

    public static string KindName(AuditKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    /// <summary>The cursor of the page that follows this entry in the log's order (Id descending: the order of writing).</summary>
    public static string CursorAfter(long id) => Cursor.Encode(CursorList, id);

    public async Task<Result<Paged<AuditEntryDto>>> ListAsync(Actor actor, AuditQuery query, CancellationToken cancellationToken)
    {
        var paging = new PageRequest(query.Page, query.PageSize, null);
        if (KeysetPaging.Validate(paging, query.After) is { } invalid)
        {
            return invalid;
        }
        long afterId = 0;
        if (query.After is not null && !Cursor.TryDecode(query.After, CursorList, out afterId))
        {
            return Cursor.Invalid;
        }
        var filtered = await FilterAsync(actor, query.ToFilter(), cancellationToken);
        if (!filtered.IsSuccess)
        {
            return filtered.Error;
        }
        var page = query.After is null ? filtered.Value : filtered.Value.Where(e => e.Id < afterId);
        return await KeysetPaging.ToPageAsync(paging, filtered.Value, Project(page), e => e, e => CursorAfter(e.Id), cancellationToken);
    }

    public async Task<Result<AuditEntryDto>> GetAsync(Actor actor, long id, CancellationToken cancellationToken)
    {
        var filtered = await FilterAsync(actor, new AuditFilter(null, null, null, null, null), cancellationToken);
        if (!filtered.IsSuccess)
        {
            return filtered.Error;
        }
        var entry = await Project(filtered.Value.Where(e => e.Id == id)).SingleOrDefaultAsync(cancellationToken);
        return entry is null ? new NotFoundError("audit_entry_not_found", $"No audit entry with id '{id}' exists, or it is outside your scope.") : entry;
    }

    /// <summary>The filtered entries, newest first, at most <see cref="MaxExportRows"/>, read as they are written out.</summary>
    public async Task<Result<IAsyncEnumerable<AuditEntryDto>>> ExportAsync(Actor actor, AuditFilter filter, CancellationToken cancellationToken)
    {
        var filtered = await FilterAsync(actor, filter, cancellationToken);
        return filtered.IsSuccess ? Result.Success(Project(filtered.Value).Take(MaxExportRows).AsAsyncEnumerable()) : filtered.Error;
    }

    public static IEnumerable<string?> CsvFields(AuditEntryDto e) =>
    [
        e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), CsvExport.Time(e.At), KindName(e.Kind), e.ActorId?.ToString(), e.ActorName,
        e.ActorEmail, e.OrganizationId?.ToString(), e.OrganizationName, e.EntityId?.ToString(), e.Summary, e.Data, e.IpAddress,
    ];

    private async Task<Result<IQueryable<AuditEntry>>> FilterAsync(Actor actor, AuditFilter query, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        AuditKind kind = default;
        if (query.Kind is not null && !EnumText.TryParse(query.Kind, out kind))
        {
            errors.Add(InvalidError.Field("kind", InvalidError.ValidationFailed, $"'kind' must be one of: {string.Join(", ", Enum.GetValues<AuditKind>().Select(KindName))}."));
        }
        var from = Utc(query.From);
        var to = Utc(query.To);
        if (from is not null && to is not null && to < from)
        {
            errors.Add(InvalidError.Field("to", InvalidError.ValidationFailed, "'to' cannot be before 'from'."));
        }
        if (errors.Any)
        {
            return errors.ToError();
        }
        var scope = db.Organizations.AdministeredBy(actor);
        var entries = db.AuditEntries.AsNoTracking();
        if (!actor.IsSystemAdministrator)
        {
            entries = entries.Where(e => scope.Any(o => o.Id == e.OrganizationId));
        }
        if (query.OrganizationId is { } organizationId)
        {
            var path = await scope.Where(o => o.Id == organizationId).Select(o => o.Path).SingleOrDefaultAsync(cancellationToken);
            if (path is null)
            {
                return CommonErrors.NotFound("organization", organizationId);
            }
            entries = entries.Where(e => db.Organizations.Any(o => o.Id == e.OrganizationId && o.Path.StartsWith(path)));
        }
        if (query.ActorId is { } actorId)
        {
            entries = entries.Where(e => e.ActorId == actorId);
        }
        if (query.Kind is not null)
        {
            entries = entries.Where(e => e.Kind == kind);
        }
        if (from is not null)
        {
            entries = entries.Where(e => e.At >= from);
        }
        if (to is not null)
        {
            entries = entries.Where(e => e.At < to);
        }
        return Result.Success(entries);
    }

    private IQueryable<AuditEntryDto> Project(IQueryable<AuditEntry> entries) =>
        from e in entries
        join u in db.Users on e.ActorId equals (Guid?)u.Id into actors
        from u in actors.DefaultIfEmpty()
        join k in db.ApiKeys on e.ActorId equals (Guid?)k.Id into keys
        from k in keys.DefaultIfEmpty()
        join o in db.Organizations on e.OrganizationId equals (Guid?)o.Id into organizations
        from o in organizations.DefaultIfEmpty()
        orderby e.Id descending
        select new AuditEntryDto(e.Id, e.At, e.Kind, e.ActorId,
            u != null ? PersonName.Full(u.FirstName, u.LastName) : k != null ? "API key '" + k.Name + "'" : null, u == null ? null : u.Email,
            e.OrganizationId, o == null ? null : o.Name, e.EntityId, e.Summary, e.Data, e.IpAddress);

    private static DateTime? Utc(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Utc } v => v,
        { Kind: DateTimeKind.Local } v => v.ToUniversalTime(),
        { } v => DateTime.SpecifyKind(v, DateTimeKind.Utc),
    };
}

public static class AuditLogApi
{
    public static RouteGroupBuilder MapAuditLogApi(this RouteGroupBuilder api)
    {
        // Read-only by design: there is no endpoint that changes or removes an entry.
        var group = api.MapGroup("/audit-entries").WithTags("Audit log").RequireAdministrator(AuditLogHandler.AdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<AuditEntryDto>>, ProblemHttpResult>> (
                [AsParameters] AuditQuery query, Actor actor, AuditLogHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, query, ct)).ToOk());
        group.MapGet("/{id:long}", async Task<Results<Ok<AuditEntryDto>, ProblemHttpResult>> (
                long id, Actor actor, AuditLogHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        group.MapGet("/export", async Task<IResult> ([AsParameters] AuditFilter filter, Actor actor, AuditLogHandler handler, CancellationToken ct) =>
            {
                var rows = await handler.ExportAsync(actor, filter, ct);
                return rows.IsSuccess
                    ? CsvExport.Result("audit-log.csv", AuditLogHandler.CsvHeader, rows.Value, AuditLogHandler.CsvFields, ct)
                    : rows.Error.ToProblem();
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return api;
    }
}
