using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Features.Classes;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Issuance;

public sealed record ChosenStudent(Guid Id, string Name, string Email, string OrganizationName);

/// <summary>
/// The Issue Badges page's student selection, read only from the class roster the actor chooses from: an id from anywhere
/// else is dropped, never looked up.
/// </summary>
public static class StudentSelection
{
    /// <summary>"Select all": every student the actor may choose that matches the search, not only the page on screen.</summary>
    public static async Task<List<Guid>> AllMatchingAsync(this RosetteDb db, ClassContext cls, string? search, CancellationToken cancellationToken)
    {
        var term = new PageRequest(null, null, search).Term;
        return await db.RosterQuery(cls, term).Select(s => s.Id)
            .Take(Domain.Issuance.IssuanceRules.MaxStudentsPerRequest).ToListAsync(cancellationToken);
    }

    public static async Task<List<Guid>> OnRosterAsync(this RosetteDb db, ClassContext cls, List<Guid> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await db.RosterQuery(cls, null, ids).Select(s => s.Id).ToListAsync(cancellationToken);

    /// <summary>The review of the selection: names come from the class roster the actor chooses from, never from any user id.</summary>
    public static async Task<List<ChosenStudent>> ChosenStudentsAsync(this RosetteDb db, ClassContext cls, List<Guid> shown, CancellationToken cancellationToken)
    {
        var rows = await db.RosterQuery(cls, null, shown)
            .Select(s => new ChosenStudent(s.Id, PersonName.Full(s.FirstName, s.LastName), s.Email, s.OrganizationName)).ToListAsync(cancellationToken);
        return rows.OrderBy(r => r.Name, StringComparer.CurrentCulture).ToList();
    }
}
