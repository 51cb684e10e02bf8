using Microsoft.EntityFrameworkCore;
using Rosette.Data;

namespace Rosette.Features.Issuance;

public sealed record IssuedRow(string StudentName, string StudentEmail, string BadgeName, DateTime IssuedAt, Guid AwardId);

public sealed record FailedRow(string StudentName, string? StudentEmail, string BadgeName, string Code, string Message);

/// <summary>An issuance result with names instead of ids, as the pages and the CSV show it.</summary>
public sealed record IssuanceResultView(Guid Id, Guid? ClassId, string? Warning, IReadOnlyList<IssuedRow> Issued, IReadOnlyList<FailedRow> Failed, int IssuedTotal, int FailedTotal)
{
    /// <summary>Pages show this many rows of each list; the CSV has them all.</summary>
    public const int PageLimit = 500;

    public static async Task<IssuanceResultView> LoadAsync(RosetteDb db, IssueBadgesResult result, Guid? classId, int limit, CancellationToken cancellationToken)
    {
        var issued = result.Issued.Take(limit).ToList();
        var failed = result.Failed.Take(limit).ToList();
        var studentIds = issued.Select(i => i.StudentId).Concat(failed.Select(f => f.StudentId)).Distinct().ToList();
        var badgeIds = issued.Select(i => i.BadgeId).Concat(failed.Select(f => f.BadgeId)).Distinct().ToList();
        var students = await db.Users.AsNoTracking().Where(u => studentIds.Contains(u.Id))
            .Select(u => new { u.Id, Name = u.FirstName + " " + u.LastName, u.Email }).ToDictionaryAsync(u => u.Id, cancellationToken);
        var badges = await db.Badges.AsNoTracking().Where(b => badgeIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.Name, cancellationToken);
        return new IssuanceResultView(
            result.Id,
            classId,
            result.Warning,
            issued.Select(i => new IssuedRow(students[i.StudentId].Name, students[i.StudentId].Email, badges[i.BadgeId], i.IssuedAt, i.AwardId))
                .OrderBy(r => r.StudentName).ThenBy(r => r.BadgeName).ToList(),
            failed.Select(f => new FailedRow(
                    students.TryGetValue(f.StudentId, out var s) ? s.Name : $"Unknown student ({f.StudentId})",
                    s?.Email,
                    badges.GetValueOrDefault(f.BadgeId) ?? $"Unknown badge ({f.BadgeId})",
                    f.Code,
                    f.Message))
                .OrderBy(r => r.StudentName).ThenBy(r => r.BadgeName).ToList(),
            result.Issued.Count,
            result.Failed.Count);
    }
}
