using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Notifications;
using Rosette.Domain.Issuance;
using Rosette.Features.Badges;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Dashboard;

public sealed record WeekCount(DateOnly WeekStart, int Awards);

public sealed record TopBadge(Guid BadgeId, string Name, string? ImageUrl, int Holders);

public sealed record TopClass(Guid ClassId, string Name, int Awards);

public sealed record FailureCount(string Code, int Count);

public sealed record RecentBatch(Guid Id, DateTime CreatedAt, Guid? ClassId, string? ClassName, string? IssuedByName, int Issued, int Failed);

/// <summary>A mail to a student that was given up (see Features/Notifications/README.md), with the mail server's answer.</summary>
public sealed record MailFailure(Guid AwardId, string StudentName, string Email, string BadgeName, NotificationKind Kind, DateTime FailedAt, string? Error);

public sealed record DashboardDto(
    DateOnly From, DateOnly To, int AwardsInPeriod, IReadOnlyList<WeekCount> AwardsPerWeek, IReadOnlyList<TopBadge> TopBadges,
    IReadOnlyList<TopClass> TopClasses, IReadOnlyList<RecentBatch> RecentBatches, IReadOnlyList<FailureCount> RecentFailures,
    int MailFailureCount, IReadOnlyList<MailFailure> MailFailures);

/// <summary>
/// The administrator's dashboard: everything is counted by the database (GROUP BY), over the award tallies and batches of
/// the administrator's scope only: the awards' counts come from their tallies (one row per badge, class and day), so the
/// dashboard does not read every award.
/// </summary>
public sealed class DashboardHandler(RosetteDb db, TimeProvider clock)
{
    /// <summary>The refusal of the dashboard's route and page, declared by policy on each (see <see cref="DashboardApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators see the dashboard.");

    public const int Weeks = 26;
    public const int Top = 5;
    public const int RecentBatchCount = 10;
    public const int MailFailuresShown = 10;

    public async Task<Result<DashboardDto>> LoadAsync(Actor actor, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var thisWeek = today.AddDays(-(((int)today.DayOfWeek + 6) % 7)); // weeks start on Monday
        var first = thisWeek.AddDays(-7 * (Weeks - 1));
        var awards = db.Awards.AsNoTracking().VisibleTo(db, actor);
        // Awards are counted from their tallies (Data/AwardTallies.cs): rows per badge, class and day, not per award.
        var tallies = db.AwardTallies.AsNoTracking().AdministeredBy(db, actor);

        var perDay = await tallies.Where(t => t.Day >= first)
            .GroupBy(t => t.Day)
            .Select(g => new { Day = g.Key, Count = g.Sum(t => t.Issued) })
            .ToListAsync(cancellationToken);
        var perWeek = Enumerable.Range(0, Weeks).Select(w => first.AddDays(7 * w)).ToDictionary(w => w, _ => 0);
        foreach (var day in perDay)
        {
            perWeek[first.AddDays((day.Day.DayNumber - first.DayNumber) / 7 * 7)] += day.Count;
        }

        // Holders: the awards not revoked.
        var topBadges = await (from g in tallies.GroupBy(t => t.BadgeId).Select(g => new { BadgeId = g.Key, Count = g.Sum(t => t.Issued - t.Revoked) })
                               where g.Count > 0
                               join b in db.Badges on g.BadgeId equals b.Id
                               orderby g.Count descending, b.Name
                               select new { b.Id, b.Name, b.ImageContentType, b.ImageVersion, g.Count })
            .Take(Top).ToListAsync(cancellationToken);

        var topClasses = await (from g in tallies.Where(t => t.Day >= first && t.ClassId != AwardTally.NoClass).GroupBy(t => t.ClassId)
                                    .Select(g => new { ClassId = g.Key, Count = g.Sum(t => t.Issued) })
                                where g.Count > 0
                                join c in db.Classes on g.ClassId equals c.Id
                                orderby g.Count descending, c.Name
                                select new TopClass(c.Id, c.Name, g.Count))
            .Take(Top).ToListAsync(cancellationToken);

        var classes = db.Classes.VisibleTo(db, actor);
        var courses = db.Courses.Where(c => db.Organizations.AdministeredBy(actor).Any(o => o.Id == c.OrganizationId));
        var batches = await (from b in db.IssuanceBatches.AsNoTracking()
                             where classes.Any(c => c.Id == b.ClassId)
                                 || db.CourseAssignments.Any(a => a.Id == b.CourseAssignmentId && courses.Any(c => c.Id == a.CourseId))
                             join c in db.Classes on b.ClassId equals c.Id into inClass
                             from c in inClass.DefaultIfEmpty()
                             join u in db.Users on b.IssuedById equals u.Id into issuers
                             from u in issuers.DefaultIfEmpty()
                             orderby b.CreatedAt descending, b.Id descending
                             select new RecentBatch(b.Id, b.CreatedAt, b.ClassId, c == null ? null : c.Name, u == null ? null : PersonName.Full(u.FirstName, u.LastName),
                                 b.IssuedCount, b.FailedCount))
            .Take(RecentBatchCount).ToListAsync(cancellationToken);
        var batchIds = batches.Where(b => b.Failed > 0).Select(b => b.Id).ToList();
        var failures = batchIds.Count == 0 ? [] : await db.IssuanceFailures.AsNoTracking().Where(f => batchIds.Contains(f.BatchId))
            .GroupBy(f => f.Code).Select(g => new { Code = g.Key, Count = g.Count() })
            .OrderByDescending(f => f.Count).ThenBy(f => f.Code).ToListAsync(cancellationToken);

        var failedMail = from n in db.AwardNotifications.AsNoTracking()
                         where n.FailedAt != null
                         join a in awards on n.AwardId equals a.Id
                         join s in db.Users on a.StudentId equals s.Id
                         join b in db.Badges on a.BadgeId equals b.Id
                         orderby n.FailedAt descending, a.Id
                         select new MailFailure(a.Id, PersonName.Full(s.FirstName, s.LastName), s.Email, b.Name, n.Kind, n.FailedAt!.Value, n.LastError);
        var mailFailureCount = await failedMail.CountAsync(cancellationToken);
        var mailFailures = mailFailureCount == 0 ? [] : await failedMail.Take(MailFailuresShown).ToListAsync(cancellationToken);

        return new DashboardDto(first, today, perWeek.Values.Sum(), perWeek.Select(w => new WeekCount(w.Key, w.Value)).ToList(),
            topBadges.Select(b => new TopBadge(b.Id, b.Name, b.ImageContentType is null ? null : BadgeImages.Url(b.Id, b.ImageVersion), b.Count)).ToList(),
            topClasses, batches, failures.Select(f => new FailureCount(f.Code, f.Count)).ToList(), mailFailureCount, mailFailures);
    }
}

public static class DashboardApi
{
    public static RouteGroupBuilder MapDashboardApi(this RouteGroupBuilder api)
    {
        api.MapGet("/dashboard", async Task<Results<Ok<DashboardDto>, ProblemHttpResult>> (Actor actor, DashboardHandler handler, CancellationToken ct) =>
                (await handler.LoadAsync(actor, ct)).ToOk())
            .WithTags("Dashboard").RequireAdministrator(DashboardHandler.AdministratorsOnly);
        return api;
    }
}

/// <summary>The awards-per-week chart as SVG geometry, drawn on the server (no script, nothing to download).</summary>
public sealed record AwardsChart(IReadOnlyList<AwardsChart.Bar> Bars, IReadOnlyList<AwardsChart.Tick> Ticks, int Max)
{
    public const int Width = 720;
    public const int Height = 240;
    public const int Left = 40;
    public const int Bottom = 28;
    public const int Top = 12;

    public sealed record Bar(double X, double Y, double Width, double Height, string Label, string? AxisLabel);

    public sealed record Tick(double Y, int Value);

    public static AwardsChart From(IReadOnlyList<WeekCount> weeks)
    {
        var max = Math.Max(1, weeks.Count == 0 ? 1 : weeks.Max(w => w.Awards));
        var step = NiceStep(max);
        var top = (int)Math.Ceiling(max / (double)step) * step;
        var plotHeight = Height - Bottom - Top;
        var slot = (Width - Left - 8) / (double)Math.Max(1, weeks.Count);
        var bars = weeks.Select((w, i) =>
        {
            var h = plotHeight * w.Awards / (double)top;
            return new Bar(Left + i * slot + slot * 0.15, Height - Bottom - h, slot * 0.7, h,
                $"Week of {w.WeekStart:d MMM yyyy}: {w.Awards} {(w.Awards == 1 ? "award" : "awards")}",
                i % 4 == 0 ? w.WeekStart.ToString("d MMM") : null);
        }).ToList();
        var ticks = Enumerable.Range(0, top / step + 1).Select(k => new Tick(Height - Bottom - plotHeight * k * step / (double)top, k * step)).ToList();
        return new AwardsChart(bars, ticks, top);
    }

    private static readonly int[] StepMultiples = [1, 2, 5, 10];

    /// <summary>An SVG text element (Razor keeps &lt;text&gt; for itself), its content encoded.</summary>
    public static Microsoft.AspNetCore.Html.HtmlString Text(double x, double y, string content, string? anchor) =>
        new(FormattableString.Invariant($"<text x=\"{x:0.##}\" y=\"{y:0.##}\"{(anchor is null ? "" : $" text-anchor=\"{anchor}\"")}>{System.Net.WebUtility.HtmlEncode(content)}</text>"));

    private static int NiceStep(int max)
    {
        var rough = max / 4.0;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(1, rough))));
        var step = StepMultiples.Select(m => m * magnitude).First(s => s >= rough);
        return Math.Max(1, (int)step);
    }
}
