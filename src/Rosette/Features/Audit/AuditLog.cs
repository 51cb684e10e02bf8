using System.Text.Json;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Audit;

namespace Rosette.Features.Audit;

/// <summary>
/// Adds audit entries to the caller's unit of work: the handler's own SaveChanges (or its transaction) then writes the
/// entry together with the change it records, so there is never a change without its entry nor an entry without its
/// change. Call it once the change is decided, just before saving. "From where" is the request's remote address.
/// </summary>
public sealed class AuditLog(RosetteDb db, IHttpContextAccessor http, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Records what <paramref name="actor"/> did: under the API key's id when a key acted, else the user's.</summary>
    public AuditEntry Record(Actor? actor, AuditKind kind, Guid? organizationId, Guid? entityId, string summary, object? data = null) =>
        Record(actor?.ActingId, kind, organizationId, entityId, summary, data);

    public AuditEntry Record(Guid? actorId, AuditKind kind, Guid? organizationId, Guid? entityId, string summary, object? data = null)
    {
        var entry = AuditEntry.Create(clock.UtcNowSeconds(), kind, actorId, organizationId, entityId, summary,
            data is null ? null : JsonSerializer.Serialize(data, Json), http.HttpContext?.Connection.RemoteIpAddress?.ToString());
        db.AuditEntries.Add(entry);
        return entry;
    }

    /// <summary>Takes back an entry recorded for a change that was refused after all (a unique index said no).</summary>
    public void Discard(AuditEntry entry) => db.Entry(entry).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
}

/// <summary>The fields an edit changed, old and new values: the "what" of an update entry.</summary>
public sealed class ChangeSet
{
    private readonly Dictionary<string, object?[]> _changes = [];

    public bool Any => _changes.Count > 0;

    public ChangeSet Add<T>(string field, T before, T after)
    {
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            _changes[field] = [before, after];
        }
        return this;
    }

    /// <summary>Long text (descriptions, narratives): records that it changed, not both versions.</summary>
    public ChangeSet AddText(string field, string? before, string? after)
    {
        if (before != after)
        {
            _changes[field] = ["(changed)"];
        }
        return this;
    }

    public IReadOnlyDictionary<string, object?[]> Data => _changes;

    /// <summary>"name, role" (the changed fields), for the summary line.</summary>
    public string Fields => string.Join(", ", _changes.Keys);
}
