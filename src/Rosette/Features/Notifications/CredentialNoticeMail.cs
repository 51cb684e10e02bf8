using Microsoft.EntityFrameworkCore;
using MimeKit;
using Rosette.Data;
using Rosette.Domain.Users;
using Rosette.Domain;
using Rosette.Domain.Notifications;
using Rosette.Domain.Providers;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Notifications;

/// <summary>
/// Mails the student of a credential's notice (renewed, expiring in N days, expired), once: the notice row is claimed
/// (a compare-and-swap on <see cref="CredentialNotice.ClaimedUntil"/>) before sending and marked sent after, as award mails
/// are. Runs from the outbox; a failure releases the claim and fails the message, which the outbox retries.
/// </summary>
public sealed class CredentialNoticeMail(RosetteDb db, TimeProvider clock, MailDelivery delivery, CredentialUrls urls)
{
    private sealed record Facts(
        Guid CredentialId, string Kind, Guid AwardId, string Email, string FirstName, string LastName, string BadgeName, string IssuerName,
        DateTime? ExpiresAt, string? RenewalInstructions);

    public async Task SendAsync(IReadOnlyList<DueNotice> notices, CancellationToken cancellationToken)
    {
        var heldElsewhere = 0;
        await using var session = delivery.Open();
        foreach (var chunk in notices.Distinct().Chunk(500))
        {
            foreach (var notice in await LoadAsync(chunk, cancellationToken))
            {
                var now = clock.GetUtcNow().UtcDateTime;
                var until = now + AwardMailHandler.ClaimLease;
                var taken = await db.CredentialNotices
                    .Where(n => n.CredentialId == notice.CredentialId && n.Kind == notice.Kind && n.Mail && n.SentAt == null
                        && (n.ClaimedUntil == null || n.ClaimedUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntil, until).SetProperty(n => n.Attempts, n => n.Attempts + 1), cancellationToken);
                if (taken == 0)
                {
                    heldElsewhere += await db.CredentialNotices.CountAsync(n => n.CredentialId == notice.CredentialId && n.Kind == notice.Kind && n.SentAt == null, cancellationToken);
                    continue;
                }
                try
                {
                    await session.SendAsync(Compose(notice), $"{notice.CredentialId:N}-{notice.Kind}", cancellationToken);
                }
                catch
                {
                    await db.CredentialNotices.Where(n => n.CredentialId == notice.CredentialId && n.Kind == notice.Kind && n.SentAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(n => n.ClaimedUntil, (DateTime?)null), CancellationToken.None);
                    throw;
                }
                var sentAt = clock.UtcNowSeconds();
                await db.CredentialNotices.Where(n => n.CredentialId == notice.CredentialId && n.Kind == notice.Kind)
                    .ExecuteUpdateAsync(s => s.SetProperty(n => n.SentAt, sentAt).SetProperty(n => n.ClaimedUntil, (DateTime?)null), CancellationToken.None);
            }
        }
        if (heldElsewhere > 0)
        {
            throw new InvalidOperationException($"{heldElsewhere} notice mail(s) are being sent by another instance.");
        }
    }

    /// <summary>The notices to mail: those meant to be mailed, of awards not revoked and not delivered through a provider that mails its students.</summary>
    private async Task<List<Facts>> LoadAsync(DueNotice[] chunk, CancellationToken cancellationToken)
    {
        var credentialIds = chunk.Select(n => n.CredentialId).ToList();
        var wanted = chunk.ToHashSet();
        var rows = await (from n in db.CredentialNotices
                where credentialIds.Contains(n.CredentialId) && n.Mail && n.SentAt == null
                join a in db.Awards on n.AwardId equals a.Id
                where a.RevokedAt == null
                    && !db.ProviderDeliveries.Any(d => d.AwardId == a.Id
                        && db.BadgeProviders.Any(p => p.Id == d.ProviderId && p.Notifications == ProviderNotifications.Provider))
                join b in db.Badges on a.BadgeId equals b.Id
                join s in db.Users on a.StudentId equals s.Id
                join o in db.Organizations on b.OrganizationId equals o.Id
                select new Facts(n.CredentialId, n.Kind, a.Id, s.Email, s.FirstName, s.LastName, b.Name, o.Name, a.ExpiresAt, b.RenewalInstructions))
            .AsNoTracking().ToListAsync(cancellationToken);
        return rows.Where(f => wanted.Contains(new DueNotice(f.CredentialId, f.Kind))).ToList();
    }

    private MimeMessage Compose(Facts notice)
    {
        var host = new Uri(urls.Base).Host;
        var message = new MimeMessage();
        message.From.Add(delivery.Settings.From is { Length: > 0 } from ? MailboxAddress.Parse(from) : new MailboxAddress("Rosette", $"no-reply@{host}"));
        message.To.Add(new MailboxAddress(PersonName.Full(notice.FirstName, notice.LastName), notice.Email));
        message.MessageId = $"{notice.CredentialId:N}.{notice.Kind}@{host}";
        message.Date = clock.GetUtcNow();
        var page = urls.Page(notice.CredentialId);
        var until = notice.ExpiresAt is { } expires ? $"{expires:yyyy-MM-dd}" : "no expiry date";
        var renew = notice.RenewalInstructions is { } instructions ? $"\nHow to renew:\n{instructions}\n" : "";
        string body;
        if (notice.Kind == CredentialNotice.Renewed)
        {
            message.Subject = $"Your badge \"{notice.BadgeName}\" was renewed";
            body = $"""
                Hello {notice.FirstName},

                {notice.IssuerName} renewed your badge "{notice.BadgeName}". It is now valid until {until}.

                Your renewed credential:
                {page}

                Your previous credential stays a valid record of what you earned; this one supersedes it.
                """;
        }
        else if (notice.Kind == CredentialNotice.Expired)
        {
            message.Subject = $"Your badge \"{notice.BadgeName}\" has expired";
            body = $"""
                Hello {notice.FirstName},

                Your badge "{notice.BadgeName}" from {notice.IssuerName} expired on {until}.

                See it here:
                {page}
                {renew}
                """;
        }
        else
        {
            var days = CredentialNotice.DaysOf(notice.Kind) ?? 0;
            message.Subject = $"Your badge \"{notice.BadgeName}\" expires in {days} day{(days == 1 ? "" : "s")}";
            body = $"""
                Hello {notice.FirstName},

                Your badge "{notice.BadgeName}" from {notice.IssuerName} expires on {until}.

                See it here:
                {page}
                {renew}
                """;
        }
        message.Body = new TextPart("plain") { Text = body.Replace("\n", "\r\n", StringComparison.Ordinal) };
        return message;
    }
}

/// <summary>Records a "renewed" notice for each renewed credential (mailed unless the renewal asked for silence) and mails them.</summary>
public sealed class AwardsRenewedMailHandler(RosetteDb db, CredentialNoticeMail mail, TimeProvider clock) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardsRenewed;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var renewed = message.Read<AwardsRenewed>();
        var renewals = await RenewalsAsync(db, renewed, cancellationToken);
        var now = clock.UtcNowSeconds();
        var notices = renewals.Select(r => CredentialNotice.Create(r.CredentialId, CredentialNotice.Renewed, r.AwardId, r.RenewedAt, !renewed.SuppressNotifications, now)).ToList();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.InsertAsync(notices, ignoreConflicts: true, n => n.CredentialId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await mail.SendAsync(notices.Select(n => new DueNotice(n.CredentialId, n.Kind)).ToList(), cancellationToken);
    }

    /// <summary>The renewals a message names: a batch's, or the ones of the listed new credentials.</summary>
    public static Task<List<Domain.Issuance.AwardRenewal>> RenewalsAsync(RosetteDb db, AwardsRenewed renewed, CancellationToken cancellationToken)
    {
        var ids = renewed.CredentialIds ?? [];
        return (renewed.BatchId is { } batchId ? db.AwardRenewals.Where(r => r.BatchId == batchId) : db.AwardRenewals.Where(r => ids.Contains(r.CredentialId)))
            .AsNoTracking().ToListAsync(cancellationToken);
    }
}

/// <summary>Mails the reminders and expiry notices that the expiry scheduler recorded.</summary>
public sealed class CredentialsDueMailHandler(CredentialNoticeMail mail) : IOutboxHandler
{
    public string Topic => OutboxTopics.CredentialsDue;

    public Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        mail.SendAsync(message.Read<CredentialsDue>().Notices, cancellationToken);
}
