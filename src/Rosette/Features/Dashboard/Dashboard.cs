using System.Text.Json;
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
    int MailFailureCount, IReadOnlyList<MailFailure> MailFailures, DateTime FiguresCountedAt);

public sealed class DashboardOptions
{
    public const string Section = "Rosette:Dashboard";

    /// <summary>
    /// How long a count of the awards per week, the top badges and the top classes is shown before a view counts them
    /// again (decision 0026). Zero counts on every view.
    /// </summary>
    public TimeSpan FiguresMaxAge { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The counted part of the dashboard, as stored per scope in <see cref="DashboardFigures"/>: ids and counts only.</summary>
public sealed record CountedFigures(int[] Weeks, IReadOnlyList<CountedFigures.Counted> TopBadges, IReadOnlyList<CountedFigures.Counted> TopClasses)
{
    public sealed record Counted(Guid Id, int Count);

    public string Write() => JsonSerializer.Serialize(this);

    /// <summary>The stored figures, or null when they cannot be read (written by another version): they are then counted again.</summary>
    public static CountedFigures? Read(string counts)
    {
        try
        {
            return JsonSerializer.Deserialize<CountedFigures>(counts) is { Weeks.Length: DashboardHandler.Weeks, TopBadges: not null, TopClasses: not null } figures
                ? figures : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The administrator's dashboard, over the administrator's scope only. The awards per week and the top badges and classes
/// are counted by the database from the award tallies, at most once per <see cref="DashboardOptions.FiguresMaxAge"/> per
/// scope (decision 0026); the last batches, their failures and the mails given up are read on every view.
/// </summary>
public sealed class DashboardHandler(RosetteDb db, TimeProvider clock, DashboardOptions options)
{
    /// <summary>The refusal of the dashboard's route and page, declared by policy on each (see <see cref="DashboardApi"/>).</summary>
    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden("Only administrators see the dashboard.");

    public const int Weeks = 26;
    public const int Top = 5;
    public const int RecentBatchCount = 10;
    public const int MailFailuresShown = 10;

    public async Task<Result<DashboardDto>> LoadAsync(Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.UtcNowSeconds(); // whole seconds, as stored on either database
        var today = DateOnly.FromDateTime(now);
        var first = FirstWeek(today);
        var awards = db.Awards.AsNoTracking().VisibleTo(db, actor);
        var (counted, countedAt) = await FiguresAsync(actor, first, now, cancellationToken);

        // Names are read on every view, in the viewer's scope: a badge or class renamed since the count shows its new name,
        // one moved out of the scope is not shown.
        var topBadgeIds = counted.TopBadges.Select(b => b.Id).ToList();
        var badgeNames = await db.Badges.AsNoTracking().AdministeredBy(db, actor).Where(b => topBadgeIds.Contains(b.Id))
            .Select(b => new { b.Id, b.Name, b.ImageContentType, b.ImageVersion }).ToDictionaryAsync(b => b.Id, cancellationToken);
        var topBadges = (from b in counted.TopBadges
                         where badgeNames.ContainsKey(b.Id)
                         let badge = badgeNames[b.Id]
                         select new TopBadge(b.Id, badge.Name, badge.ImageContentType is null ? null : BadgeImages.Url(b.Id, badge.ImageVersion), b.Count)).ToList();
        var topClassIds = counted.TopClasses.Select(c => c.Id).ToList();
        var classNames = await db.Classes.AsNoTracking().VisibleTo(db, actor).Where(c => topClassIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var topClasses = counted.TopClasses.Where(c => classNames.ContainsKey(c.Id)).Select(c => new TopClass(c.Id, classNames[c.Id], c.Count)).ToList();

        // The scope (ScopeQueries.AdministeredBy, as a stored result's) is checked on joined rows, not by EXISTS: PostgreSQL
        // then checks the batches it reads newest first, and stops at the tenth (decision 0026).
        var batches = await (from b in db.IssuanceBatches.AsNoTracking().AdministeredBy(db, actor)
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

        var perWeek = counted.Weeks.Select((count, w) => new WeekCount(first.AddDays(7 * w), count)).ToList();
        return new DashboardDto(first, today, perWeek.Sum(w => w.Awards), perWeek, topBadges, topClasses, batches,
            failures.Select(f => new FailureCount(f.Code, f.Count)).ToList(), mailFailureCount, mailFailures, countedAt);
    }

    /// <summary>The Monday that starts the first of the <see cref="Weeks"/> weeks ending with today's.</summary>
    public static DateOnly FirstWeek(DateOnly today) => today.AddDays(-(((int)today.DayOfWeek + 6) % 7) - 7 * (Weeks - 1));

    /// <summary>
    /// The scope's counted figures: the stored count when it is for these weeks and younger than
    /// <see cref="DashboardOptions.FiguresMaxAge"/>, else a new count, stored for the next views (decision 0026).
    /// </summary>
    private async Task<(CountedFigures Figures, DateTime CountedAt)> FiguresAsync(Actor actor, DateOnly first, DateTime now, CancellationToken cancellationToken)
    {
        var scope = actor.ScopePath ?? DashboardFigures.EveryOrganization;
        if (options.FiguresMaxAge > TimeSpan.Zero
            && await db.DashboardFigures.AsNoTracking().SingleOrDefaultAsync(f => f.Scope == scope, cancellationToken) is { } stored
            && stored.From == first && now - stored.CountedAt < options.FiguresMaxAge && CountedFigures.Read(stored.Counts) is { } kept)
        {
            return (kept, stored.CountedAt);
        }
        var figures = await CountAsync(actor, first, cancellationToken);
        if (options.FiguresMaxAge > TimeSpan.Zero)
        {
            await StoreAsync(scope, first, now, figures, cancellationToken);
        }
        return (figures, now);
    }

    /// <summary>
    /// Counts the figures from the award tallies of the administrator's scope (one row per badge, class and day:
    /// Data/AwardTallies.cs), not from the awards.
    /// </summary>
    internal async Task<CountedFigures> CountAsync(Actor actor, DateOnly first, CancellationToken cancellationToken)
    {
        var tallies = db.AwardTallies.AsNoTracking().AdministeredBy(db, actor);
        // Bounded at both ends: an award dated after this instance's today (another instance's clock a moment ahead at
        // midnight, or a date written by hand) is not in the weeks shown.
        var end = first.AddDays(7 * Weeks);
        var perDay = await tallies.Where(t => t.Day >= first && t.Day < end)
            .GroupBy(t => t.Day)
            .Select(g => new { Day = g.Key, Count = g.Sum(t => t.Issued) })
            .ToListAsync(cancellationToken);
        var weeks = new int[Weeks];
        foreach (var day in perDay)
        {
            weeks[(day.Day.DayNumber - first.DayNumber) / 7] += day.Count;
        }

        // Holders: the awards not revoked.
        var topBadges = await (from g in tallies.GroupBy(t => t.BadgeId).Select(g => new { BadgeId = g.Key, Count = g.Sum(t => t.Issued - t.Revoked) })
                               where g.Count > 0
                               join b in db.Badges on g.BadgeId equals b.Id
                               orderby g.Count descending, b.Name
                               select new CountedFigures.Counted(b.Id, g.Count))
            .Take(Top).ToListAsync(cancellationToken);

        var topClasses = await (from g in tallies.Where(t => t.Day >= first && t.ClassId != AwardTally.NoClass).GroupBy(t => t.ClassId)
                                    .Select(g => new { ClassId = g.Key, Count = g.Sum(t => t.Issued) })
                                where g.Count > 0
                                join c in db.Classes on g.ClassId equals c.Id
                                orderby g.Count descending, c.Name
                                select new CountedFigures.Counted(c.Id, g.Count))
            .Take(Top).ToListAsync(cancellationToken);
        return new CountedFigures(weeks, topBadges, topClasses);
    }

    /// <summary>
    /// Replaces the scope's stored count unless a younger one is stored; the first count of a scope is inserted, and when
    /// another instance inserted it a moment before, theirs is kept.
    /// </summary>
    private async Task StoreAsync(string scope, DateOnly first, DateTime now, CountedFigures figures, CancellationToken cancellationToken)
    {
        var counts = figures.Write();
        var replaced = await db.DashboardFigures.Where(f => f.Scope == scope && f.CountedAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.From, first).SetProperty(f => f.CountedAt, now).SetProperty(f => f.Counts, counts), cancellationToken);
        if (replaced > 0 || await db.DashboardFigures.AnyAsync(f => f.Scope == scope, cancellationToken))
        {
            return;
        }
        db.DashboardFigures.Add(DashboardFigures.Create(scope, first, now, counts));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
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
