using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Notifications;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Hosting;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Notifications;

/// <summary>Settings of expiry reminders (section Rosette:Reminders).</summary>
public sealed class ReminderOptions
{
    public const string Section = "Rosette:Reminders";

    public bool Enabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How late a reminder may still go out (after downtime); an older one is dropped, never sent late in a heap.</summary>
    public TimeSpan CatchUp { get; set; } = TimeSpan.FromDays(3);

    public int BatchSize { get; set; } = 1000;
}

/// <summary>
/// Records each credential's reminders (N days before it expires, for each N of its badge) and its expiry, once each, when
/// they fall due, and publishes them (<c>credentials.due</c>) for the mail and webhook handlers. Every instance runs it; the
/// notices' key (credential, kind) lets one instance record each, and the outbox message is written in the same
/// transaction. After downtime it catches up on what fell due within <see cref="ReminderOptions.CatchUp"/>, sending only the
/// latest reminder of a credential: the earlier ones it made moot are recorded unmailed. A renewal gives the award a new
/// credential, whose reminders start afresh.
/// </summary>
public sealed class ExpiryScheduler(IServiceScopeFactory scopes, ReminderSignal signal, ReminderOptions options, TimeProvider clock, ILogger<ExpiryScheduler> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Enabled
            ? signal.RunRoundsAsync(RunOnceAsync, options.PollInterval, (e, _, ct) =>
            {
                logger.LogError(e, "The expiry scheduler failed; retrying shortly.");
                return Task.Delay(options.PollInterval, ct);
            }, stoppingToken)
            : Task.CompletedTask;

    /// <summary>Records every notice due now; returns how many it recorded.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        var now = clock.UtcNowSeconds();
        var offsets = (await db.Badges.AsNoTracking().Select(b => b.ReminderDays).ToListAsync(cancellationToken))
            .SelectMany(d => d).Append(0).Distinct().Order().ToList();
        var recorded = 0;
        foreach (var days in offsets)
        {
            int found;
            do
            {
                (found, var inserted) = await RecordAsync(db, days, now, cancellationToken);
                recorded += inserted;
            }
            while (found == options.BatchSize);
        }
        if (recorded > 0)
        {
            scope.ServiceProvider.GetRequiredService<OutboxSignal>().Notify();
        }
        return recorded;
    }

    /// <summary>One batch of credentials whose notice <paramref name="days"/> before expiry is due and not recorded yet: how many were found, and recorded here.</summary>
    private async Task<(int Found, int Recorded)> RecordAsync(RosetteDb db, int days, DateTime now, CancellationToken cancellationToken)
    {
        var kind = CredentialNotice.Expiring(days);
        var dueBefore = now.AddDays(days);
        var notBefore = dueBefore - options.CatchUp;
        var due = await (
            from a in db.Awards.AsNoTracking()
            where a.RevokedAt == null && a.ExpiresAt != null && a.ExpiresAt <= dueBefore && a.ExpiresAt > notBefore
            join b in db.Badges on a.BadgeId equals b.Id
            where days == 0 || b.ReminderDays.Contains(days)
            where !db.CredentialNotices.Any(n => n.CredentialId == (a.CredentialId ?? a.Id) && n.Kind == kind)
            join o in db.Organizations on b.OrganizationId equals o.Id
            orderby a.ExpiresAt
            select new
            {
                CredentialId = a.CredentialId ?? a.Id,
                AwardId = a.Id,
                ExpiresAt = a.ExpiresAt!.Value,
                b.ReminderDays,
                Mail = b.SendReminders && o.SendExpiryReminders && b.ReminderDays.Contains(days)
                    && !db.ProviderDeliveries.Any(d => d.AwardId == a.Id
                        && db.BadgeProviders.Any(p => p.Id == d.ProviderId && p.Notifications == ProviderNotifications.Provider)),
            })
            .Take(options.BatchSize).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return (0, 0);
        }
        var notices = due.Select(d => CredentialNotice.Create(d.CredentialId, kind, d.AwardId, d.ExpiresAt.AddDays(-days), d.Mail, now)).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inserted = await db.InsertAsync(notices, ignoreConflicts: true, n => n.CredentialId, cancellationToken);
        // The earlier reminders this one makes moot (missed while down) are recorded unmailed, so that none goes out late.
        var moot = due.Where(d => inserted.Contains(d.CredentialId))
            .SelectMany(d => d.ReminderDays.Where(earlier => earlier > days)
                .Select(earlier => CredentialNotice.Create(d.CredentialId, CredentialNotice.Expiring(earlier), d.AwardId, d.ExpiresAt.AddDays(-earlier), false, now)))
            .GroupBy(n => n.Kind);
        foreach (var group in moot)
        {
            await db.InsertAsync(group.ToList(), ignoreConflicts: true, n => n.CredentialId, cancellationToken);
        }
        if (inserted.Count > 0)
        {
            db.Publish(OutboxTopics.CredentialsDue, new CredentialsDue(inserted.Select(id => new DueNotice(id, kind)).ToList()), now);
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        if (inserted.Count > 0)
        {
            logger.LogInformation("Recorded {Count} '{Kind}' notices", inserted.Count, kind);
        }
        return (due.Count, inserted.Count);
    }
}

/// <summary>Wakes this instance's expiry scheduler (tests, and after a change of reminder settings).</summary>
public sealed class ReminderSignal : WakeSignal;
