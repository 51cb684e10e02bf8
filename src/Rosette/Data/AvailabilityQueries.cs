using Microsoft.EntityFrameworkCore;
using Rosette.Domain;
using Rosette.Domain.Organizations;

namespace Rosette.Data;

public static class AvailabilityQueries
{
    /// <summary>
    /// The organizations a badge or a provider is to be made available to (null when the request leaves availability
    /// alone). An id that names no organization adds <paramref name="invalid"/> to <paramref name="errors"/>; whether the
    /// ones found are in the owner's tree is the domain's rule.
    /// </summary>
    public static async Task<List<Organization>?> LoadAvailabilityAsync(
        this RosetteDb db, IReadOnlyList<Guid>? ids, ValidationErrors errors, Error invalid, CancellationToken cancellationToken)
    {
        if (ids is null)
        {
            return null;
        }
        var distinct = ids.Distinct().ToList();
        var found = await db.Organizations.AsNoTracking().Where(o => distinct.Contains(o.Id)).ToListAsync(cancellationToken);
        if (found.Count != distinct.Count)
        {
            errors.Add(invalid);
        }
        return found;
    }
}
