using Microsoft.EntityFrameworkCore;
using MimeKit;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Notifications;
using Rosette.Domain.Providers;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Telemetry;

namespace Rosette.Features.Notifications;

/// <summary>
/// Emails a student when a badge is issued to them or revoked. Runs from the outbox, never in the issuing request.
/// Per award and kind, an <see cref="AwardNotification"/> row is claimed before sending and marked sent after, so a
/// retried or duplicated message sends nothing twice; only a crash between sending and marking can repeat a mail, and the
/// Message-ID, fixed per award and kind, lets mail clients fold the copy away. A mail the server refuses for good is
/// recorded as failed and the others go on; any other failure fails the message, which the outbox retries with backoff,
/// until its last attempt, when the mails still failing are recorded as failed too.
/// </summary>
public sealed class AwardMailHandler(
    RosetteDb db, TimeProvider clock, MailDelivery delivery, CredentialUrls urls, RosetteMetrics metrics, ILogger<AwardMailHandler> logger)
{
    private const int ChunkSize = 500;

    /// <summary>How long a claim keeps other instances off one mail; a crashed sender's claim expires after it.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    private sealed record MailFacts(
        Guid AwardId, string Email, string FirstName, string LastName, string BadgeName, string IssuerName,
        DateTime IssuedAt, DateTime? ExpiresAt, DateTime? RevokedAt, string? RevocationReason);

    private enum Claim
    {
        Ours,
        Done,
        HeldElsewhere,
    }

    /// <summary>Sends the mails of <paramref name="kind"/> not sent yet; with <paramref name="lastAttempt"/> (the outbox will not try again), a mail that fails now is given up.</summary>
    public async Task SendAsync(NotificationKind kind, IReadOnlyList<Guid> awardIds, bool lastAttempt, CancellationToken cancellationToken)
    {
        var heldElsewhere = 0;
        await using var session = delivery.Open();
        foreach (var chunk in awardIds.Distinct().Chunk(ChunkSize))
        {
            var facts = await LoadAsync(chunk, cancellationToken);
            var states = await db.AwardNotifications.AsNoTracking().Where(n => chunk.Contains(n.AwardId) && n.Kind == kind)
                .ToDictionaryAsync(n => n.AwardId, cancellationToken);
            foreach (var award in facts)
            {
                if (kind == NotificationKind.Issued && award.RevokedAt is not null)
                {
                    continue; // Revoked before the mail went out: announce nothing but the revocation.
                }
                switch (await TryClaimAsync(award.AwardId, kind, states.GetValueOrDefault(award.AwardId), cancellationToken))
                {
                    case Claim.Done:
                        continue;
                    case Claim.HeldElsewhere:
                        heldElsewhere++;
                        continue;
                }
                try
                {
                    await session.SendAsync(Compose(kind, award), $"{award.AwardId:N}-{kind.ToString().ToLowerInvariant()}", cancellationToken);
                }
                catch (Exception e) when ((e is MailNotSentException { IsPermanent: true } || lastAttempt)
                    && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    logger.LogWarning(e, "Gave up the {Kind} mail of award {AwardId}", kind, award.AwardId);
                    metrics.MailFailed(kind, permanent: true);
                    await GiveUpAsync(award.AwardId, kind, e.Message);
                    continue;
                }
                catch (Exception e)
                {
                    metrics.MailFailed(kind, permanent: false);
                    await ReleaseAsync(award.AwardId, kind, e is OperationCanceledException ? null : e.Message);
                    throw;
                }
                metrics.MailSent(kind);
                var now = clock.UtcNowSeconds();
                await db.AwardNotifications.Where(n => n.AwardId == award.AwardId && n.Kind == kind)
                    .ExecuteUpdateAsync(s => s.SetProperty(n => n.SentAt, now).SetProperty(n => n.ClaimedUntil, (DateTime?)null), CancellationToken.None);
            }
        }
        if (heldElsewhere > 0)
        {
            // Another instance is sending these right now; come back to check that it finished.
            throw new InvalidOperationException($"{heldElsewhere} {kind} notification(s) are being sent by another instance.");
        }
    }

    public Task<List<Guid>> AwardsOfBatchAsync(Guid batchId, CancellationToken cancellationToken) =>
        db.Awards.Where(a => a.BatchId == batchId).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync(cancellationToken);

    /// <summary>The awards to mail about: all asked for, except those delivered through a provider that mails the students itself.</summary>
    private Task<List<MailFacts>> LoadAsync(Guid[] awardIds, CancellationToken cancellationToken) =>
        (from a in db.Awards
         where awardIds.Contains(a.Id)
             && !db.ProviderDeliveries.Any(d => d.AwardId == a.Id
                 && db.BadgeProviders.Any(p => p.Id == d.ProviderId && p.Notifications == ProviderNotifications.Provider))
         join b in db.Badges on a.BadgeId equals b.Id
         join s in db.Users on a.StudentId equals s.Id
         join o in db.Organizations on b.OrganizationId equals o.Id
         orderby a.Id
         select new MailFacts(a.Id, s.Email, s.FirstName, s.LastName, b.Name, o.Name, a.IssuedAt, a.ExpiresAt, a.RevokedAt, a.RevocationReason))
        .AsNoTracking().ToListAsync(cancellationToken);

    private async Task<Claim> TryClaimAsync(Guid awardId, NotificationKind kind, AwardNotification? state, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + ClaimLease;
        if (state is null)
        {
            db.AwardNotifications.Add(AwardNotification.Claim(awardId, kind, until));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Claim.Ours;
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                logger.LogDebug("Notification {Kind} of award {AwardId} was claimed by another sender", kind, awardId);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
            state = await db.AwardNotifications.AsNoTracking().SingleAsync(n => n.AwardId == awardId && n.Kind == kind, cancellationToken);
        }
        if (state.SentAt is not null || state.FailedAt is not null)
        {
            return Claim.Done;
        }
        // Take over a claim that was released after a failure, or whose holder died.
        var taken = await db.AwardNotifications
            .Where(n => n.AwardId == awardId && n.Kind == kind && n.SentAt == null && n.FailedAt == null && (n.ClaimedUntil == null || n.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntil, until).SetProperty(n => n.Attempts, n => n.Attempts + 1), cancellationToken);
        if (taken == 1)
        {
            return Claim.Ours;
        }
        var done = await db.AwardNotifications.AnyAsync(n => n.AwardId == awardId && n.Kind == kind && (n.SentAt != null || n.FailedAt != null), cancellationToken);
        return done ? Claim.Done : Claim.HeldElsewhere;
    }

    /// <summary>Lets the next attempt take the mail again, noting why this one failed.</summary>
    private Task<int> ReleaseAsync(Guid awardId, NotificationKind kind, string? error)
    {
        var shown = error is null ? null : AwardNotification.Shorten(error);
        return db.AwardNotifications.Where(n => n.AwardId == awardId && n.Kind == kind && n.SentAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntil, (DateTime?)null).SetProperty(n => n.LastError, n => shown ?? n.LastError), CancellationToken.None);
    }

    /// <summary>Records the mail as failed for good, with the reason administrators will read; it is not tried again.</summary>
    private Task<int> GiveUpAsync(Guid awardId, NotificationKind kind, string error)
    {
        var now = clock.UtcNowSeconds();
        var shown = AwardNotification.Shorten(error);
        return db.AwardNotifications.Where(n => n.AwardId == awardId && n.Kind == kind && n.SentAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.FailedAt, now).SetProperty(n => n.LastError, shown)
                .SetProperty(n => n.ClaimedUntil, (DateTime?)null), CancellationToken.None);
    }

    private MimeMessage Compose(NotificationKind kind, MailFacts award)
    {
        var message = new MimeMessage();
        message.From.Add(delivery.Settings.From is { Length: > 0 } from ? MailboxAddress.Parse(from) : new MailboxAddress("Rosette", $"no-reply@{new Uri(urls.Base).Host}"));
        message.To.Add(new MailboxAddress(PersonName.Full(award.FirstName, award.LastName), award.Email));
        message.MessageId = $"{award.AwardId:N}.{kind.ToString().ToLowerInvariant()}@{new Uri(urls.Base).Host}";
        message.Date = clock.GetUtcNow();
        var page = urls.Page(award.AwardId);
        string body;
        if (kind == NotificationKind.Issued)
        {
            message.Subject = $"You earned the badge \"{award.BadgeName}\"";
            var expiry = award.ExpiresAt is { } expires ? $"It is valid until {expires:yyyy-MM-dd}.\n" : "";
            body = $"""
                Hello {award.FirstName},

                {award.IssuerName} awarded you the badge "{award.BadgeName}" on {award.IssuedAt:yyyy-MM-dd}.
                {expiry}
                See it, download it and share it here:
                {page}

                It is an Open Badges credential: anyone can verify it at that address.
                """;
        }
        else
        {
            message.Subject = $"Your badge \"{award.BadgeName}\" was revoked";
            body = $"""
                Hello {award.FirstName},

                {award.IssuerName} revoked the badge "{award.BadgeName}" that you earned on {award.IssuedAt:yyyy-MM-dd}.
                Reason: {award.RevocationReason}

                Its page now shows it as revoked:
                {page}
                """;
        }
        message.Body = new TextPart("plain") { Text = body.Replace("\n", "\r\n", StringComparison.Ordinal) };
        return message;
    }
}

/// <summary>Mails the students of newly issued awards, unless the issuance asked for silence.</summary>
public sealed class AwardsIssuedMailHandler(AwardMailHandler mail, OutboxOptions outbox) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardsIssued;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var issued = message.Read<AwardsIssued>();
        if (issued.SuppressNotifications)
        {
            return;
        }
        var awardIds = issued.BatchId is { } batchId ? await mail.AwardsOfBatchAsync(batchId, cancellationToken) : issued.AwardIds ?? [];
        await mail.SendAsync(NotificationKind.Issued, awardIds, outbox.IsLastAttempt(message), cancellationToken);
    }
}

/// <summary>Mails the student of a revoked award, unless the revocation asked for silence.</summary>
public sealed class AwardRevokedMailHandler(AwardMailHandler mail, OutboxOptions outbox) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardRevoked;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var revoked = message.Read<AwardRevoked>();
        return revoked.SuppressNotifications ? Task.CompletedTask : mail.SendAsync(NotificationKind.Revoked, [revoked.AwardId], outbox.IsLastAttempt(message), cancellationToken);
    }
}

public static class NotificationsRegistration
{
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(SmtpSettings.Section).Get<SmtpSettings>() ?? new SmtpSettings());
        services.AddSingleton(configuration.GetSection(MailSettings.Section).Get<MailSettings>() ?? new MailSettings());
        services.AddSingleton<MailDelivery>();
        services.AddScoped<IOutboxHandler, AwardsIssuedMailHandler>();
        services.AddScoped<IOutboxHandler, AwardRevokedMailHandler>();
        services.AddScoped<CredentialNoticeMail>();
        services.AddScoped<IOutboxHandler, AwardsRenewedMailHandler>();
        services.AddScoped<IOutboxHandler, CredentialsDueMailHandler>();
        services.AddSingleton(configuration.GetSection(ReminderOptions.Section).Get<ReminderOptions>() ?? new ReminderOptions());
        services.AddSingleton<ReminderSignal>();
        services.AddSingleton<ExpiryScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpiryScheduler>());
        return services;
    }
}
