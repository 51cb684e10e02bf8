using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Features.Classes;

namespace Rosette.Features.Issuance;

public sealed record IssuedRow(string StudentName, string StudentEmail, string BadgeName, DateTime IssuedAt, Guid AwardId);

public sealed record RenewedRow(string StudentName, string StudentEmail, string BadgeName, DateTime RenewedAt, DateTime? ExpiresAt, Guid AwardId, Guid CredentialId);

public sealed record FailedRow(string StudentName, string? StudentEmail, string BadgeName, string Code, string Message);

/// <summary>
/// An issuance result with names instead of ids, as the pages and the CSV show it to <c>viewer</c>. A student is named
/// only when the viewer may see them: they received an award in the batch, are on the roster the viewer chooses from, or
/// are administered by the viewer; a badge when it belongs to the batch's organization or is administered by the viewer.
/// Anyone else appears by id, with a neutral description (an id in a request reveals nothing the caller could not see).
/// </summary>
public sealed record BatchResultView(Guid Id, Guid? ClassId, string? Warning, IReadOnlyList<IssuedRow> Issued, IReadOnlyList<FailedRow> Failed, int IssuedTotal, int FailedTotal)
{
    /// <summary>Renewed pairs: like issued ones, their students received the award (so they are named).</summary>
    public IReadOnlyList<RenewedRow> Renewed { get; init; } = [];

    public int RenewedTotal { get; init; }

    /// <summary>Pages show this many rows of each list; the CSV has them all.</summary>
    public const int PageLimit = 500;

    public static async Task<BatchResultView> LoadAsync(
        RosetteDb db, Actor viewer, IssueBadgesResult result, Guid? classId, int limit, CancellationToken cancellationToken)
    {
        var issued = result.Issued.Take(limit).ToList();
        var failed = result.Failed.Take(limit).ToList();
        var renewed = result.Renewed.Take(limit).ToList();
        var studentIds = issued.Select(i => i.StudentId).Concat(renewed.Select(r => r.StudentId)).Concat(failed.Select(f => f.StudentId)).Distinct().ToList();
        var badgeIds = issued.Select(i => i.BadgeId).Concat(renewed.Select(r => r.BadgeId)).Concat(failed.Select(f => f.BadgeId)).Distinct().ToList();
        var nameable = await NameableAsync(db, viewer, result, issued, failed, badgeIds, cancellationToken);
        var students = await db.Users.AsNoTracking().Where(u => studentIds.Contains(u.Id))
            .Select(u => new { u.Id, Name = PersonName.Full(u.FirstName, u.LastName), u.Email }).ToDictionaryAsync(u => u.Id, cancellationToken);
        var badges = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id))
            .Select(b => new { b.Id, b.Name }).ToDictionaryAsync(b => b.Id, cancellationToken);
        var student = (Guid id) => nameable.Students.Contains(id) && students.TryGetValue(id, out var s) ? s : null;
        var badge = (Guid id) => badges.TryGetValue(id, out var b) && nameable.Badges.Contains(id) ? b.Name : null;
        return new BatchResultView(
            result.Id,
            classId,
            result.Warning,
            issued.Select(i => new IssuedRow(students[i.StudentId].Name, students[i.StudentId].Email, badges[i.BadgeId].Name, i.IssuedAt, i.AwardId))
                .OrderBy(r => r.StudentName).ThenBy(r => r.BadgeName).ToList(),
            failed.Select(f => new FailedRow(
                    student(f.StudentId)?.Name ?? $"Student {f.StudentId}",
                    student(f.StudentId)?.Email,
                    badge(f.BadgeId) ?? $"Badge {f.BadgeId}",
                    f.Code,
                    nameable.MessageOf(f)))
                .OrderBy(r => r.StudentName).ThenBy(r => r.BadgeName).ToList(),
            result.Issued.Count,
            result.Failed.Count)
        {
            Renewed = renewed.Select(r => new RenewedRow(students[r.StudentId].Name, students[r.StudentId].Email, badges[r.BadgeId].Name, r.RenewedAt, r.ExpiresAt, r.AwardId, r.CredentialId))
                .OrderBy(r => r.StudentName).ThenBy(r => r.BadgeName).ToList(),
            RenewedTotal = result.Renewed.Count,
        };
    }

    private static string NeutralMessage(FailedPair failed) => failed.Code switch
    {
        IssuanceErrors.UnknownStudentCode or IssuanceErrors.NotEnrolledCode =>
            $"There is no active student with id '{failed.StudentId}' that can be chosen here.",
        IssuanceErrors.StudentNotSelectableCode => $"The student '{failed.StudentId}' belongs to an organization you do not teach for in this class.",
        IssuanceErrors.UnknownBadgeCode or IssuanceErrors.BadgeNotInClassOrganizationCode or IssuanceErrors.BadgeNotInCourseOrganizationCode =>
            $"The badge '{failed.BadgeId}' cannot be issued here.",
        _ => failed.Message,
    };

    /// <summary>
    /// The result as the API answers it to <paramref name="viewer"/>: a failure's stored message (worded for whoever issued
    /// the batch) is kept only when the viewer may name both its student and its badge, else it is the neutral one.
    /// </summary>
    public static async Task<IssueBadgesResult> ForViewerAsync(RosetteDb db, Actor viewer, IssueBadgesResult result, CancellationToken cancellationToken)
    {
        if (result.Failed.Count == 0)
        {
            return result;
        }
        var badgeIds = result.Failed.Select(f => f.BadgeId).Distinct().ToList();
        var nameable = await NameableAsync(db, viewer, result, result.Issued, result.Failed, badgeIds, cancellationToken);
        return result with { Failed = result.Failed.Select(f => f with { Message = nameable.MessageOf(f) }).ToList() };
    }

    /// <summary>Whom and what of a result a viewer may see by name.</summary>
    private sealed record Nameable(HashSet<Guid> Students, HashSet<Guid> Badges)
    {
        // A failure stored with a name the viewer may not see says only what failed.
        public string MessageOf(FailedPair failed) =>
            Students.Contains(failed.StudentId) && Badges.Contains(failed.BadgeId) ? failed.Message : NeutralMessage(failed);
    }

    /// <summary>
    /// The students of the result the viewer may see by name (they received an award in it, are administered by the viewer or
    /// on the roster the viewer chooses from), and its badges the viewer may name (of the batch's organization, or
    /// administered by the viewer).
    /// </summary>
    private static async Task<Nameable> NameableAsync(RosetteDb db, Actor viewer, IssueBadgesResult result, IReadOnlyList<IssuedPair> issued,
        IReadOnlyList<FailedPair> failed, List<Guid> badgeIds, CancellationToken cancellationToken)
    {
        var batch = await db.IssuanceBatches.AsNoTracking().Where(b => b.Id == result.Id)
            .Select(b => new
            {
                b.ClassId,
                OrganizationId = b.ClassId != null
                    ? db.Classes.Where(c => c.Id == b.ClassId).Select(c => (Guid?)c.OrganizationId).FirstOrDefault()
                    : db.CourseAssignments.Where(a => a.Id == b.CourseAssignmentId)
                        .Join(db.Courses, a => a.CourseId, c => c.Id, (a, c) => (Guid?)c.OrganizationId).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        var nameable = issued.Select(i => i.StudentId).Concat(result.Renewed.Select(r => r.StudentId)).ToHashSet();
        var others = failed.Select(f => f.StudentId).Where(id => !nameable.Contains(id)).Distinct().ToList();
        if (others.Count > 0)
        {
            nameable.UnionWith(await db.Users.AdministeredBy(db, viewer).Where(u => others.Contains(u.Id)).Select(u => u.Id).ToListAsync(cancellationToken));
            if (batch?.ClassId is { } classId && await db.LoadClassAsync(viewer, classId, cancellationToken) is { Access.CanTeach: true } context)
            {
                nameable.UnionWith(await db.RosterQuery(context, null, others).Select(s => s.Id).ToListAsync(cancellationToken));
            }
        }
        var batchOrganizationId = batch?.OrganizationId;
        var administeredBadges = db.Badges.AdministeredBy(db, viewer);
        var badges = await db.Badges.AsNoTracking()
            .Where(b => badgeIds.Contains(b.Id) && (b.OrganizationId == batchOrganizationId || administeredBadges.Any(a => a.Id == b.Id)))
            .Select(b => b.Id).ToListAsync(cancellationToken);
        return new Nameable(nameable, badges.ToHashSet());
    }
}
