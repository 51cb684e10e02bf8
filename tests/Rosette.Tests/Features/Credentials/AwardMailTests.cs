using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Rosette.Domain;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;
using Rosette.Infrastructure.Outbox;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>Students are mailed (as .eml files here, no SMTP configured) when a badge is issued or revoked: once per award.</summary>
public sealed class AwardMailTests(CredentialsFixture app) : IClassFixture<CredentialsFixture>
{
    private Task PublishAsync<T>(string topic, T payload) => app.Factory.WithDbAsync(async db =>
    {
        db.Publish(topic, payload, TimeProvider.System.UtcNowSeconds());
        await db.SaveChangesAsync();
    });

    private string MailFile(Award award, string kind) => Path.Combine(app.MailDirectory, $"{award.Id:N}-{kind}.eml");

    private int MailsTo(string email) => Directory.Exists(app.MailDirectory)
        ? Directory.GetFiles(app.MailDirectory, "*.eml").Count(f => MimeMessage.Load(f).To.Mailboxes.Any(m => m.Address == email))
        : 0;

    [Fact]
    public async Task IssuedAward_WritesOneMail_EvenWhenTheMessageIsDeliveredTwice()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1);

        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
        await app.DispatchAsync();
        var written = File.GetLastWriteTimeUtc(MailFile(award, "issued"));
        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
        await app.DispatchAsync();

        var mail = await MimeMessage.LoadAsync(MailFile(award, "issued"));
        Assert.Equal(world.StudentA1.Email, mail.To.Mailboxes.Single().Address);
        Assert.Contains(world.Manual.Name, mail.Subject, StringComparison.Ordinal);
        Assert.Contains($"{CredentialsFixture.PublicBaseUrl}/credentials/{award.Id}", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(1, MailsTo(world.StudentA1.Email));
        Assert.Equal(written, File.GetLastWriteTimeUtc(MailFile(award, "issued")));
        var state = await app.Factory.WithDbAsync(db => db.AwardNotifications.AsNoTracking().SingleAsync(n => n.AwardId == award.Id));
        Assert.Equal((NotificationKind.Issued, 1), (state.Kind, state.Attempts));
        Assert.NotNull(state.SentAt);
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.ProcessedAt == null || m.LastError != null)));
    }

    [Fact]
    public async Task BatchIssuance_MailsEachStudentOnce_AndSuppressedIssuanceMailsNobody()
    {
        var world = await app.NewWorldAsync();
        var batch = IssuanceBatch.Create(AwardSource.Roster, world.Class.Id, null, world.AdminRoot.Id, TimeProvider.System.UtcNowSeconds(), 1, 2, null, false, null);
        await app.Factory.WithDbAsync(async db =>
        {
            db.IssuanceBatches.Add(batch);
            await db.SaveChangesAsync();
        });
        await app.AwardAsync(world.Manual, world.StudentA2, batchId: batch.Id);
        await app.AwardAsync(world.Manual, world.StudentB1, batchId: batch.Id);
        var silent = await app.AwardAsync(world.Manual, world.StudentA1x);

        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(batch.Id, null, false));
        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [silent.Id], SuppressNotifications: true));
        await app.DispatchAsync();

        Assert.Equal((1, 1, 0), (MailsTo(world.StudentA2.Email), MailsTo(world.StudentB1.Email), MailsTo(world.StudentA1x.Email)));
        Assert.False(await app.Factory.WithDbAsync(db => db.AwardNotifications.AnyAsync(n => n.AwardId == silent.Id)));
    }

    [Fact]
    public async Task RevokedAward_WritesOneRevocationMail_WithTheReason()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentB1);
        await app.RevokeAsync(award, world.AdminRoot, "Issued by mistake");

        await PublishAsync(OutboxTopics.AwardRevoked, new AwardRevoked(award.Id, false));
        await PublishAsync(OutboxTopics.AwardRevoked, new AwardRevoked(award.Id, false));
        await app.DispatchAsync();
        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
        await app.DispatchAsync();

        var mail = await MimeMessage.LoadAsync(MailFile(award, "revoked"));
        Assert.Contains("revoked", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("Issued by mistake", mail.TextBody, StringComparison.Ordinal);
        // Revoked before its issue mail went out: only the revocation is announced.
        Assert.False(File.Exists(MailFile(award, "issued")));
        Assert.Equal(1, MailsTo(world.StudentB1.Email));
    }

    [Fact]
    public async Task ExpiredClaimOfACrashedSender_IsTakenOver_AndTheMailIsSent()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA2);
        await app.Factory.WithDbAsync(async db =>
        {
            // A sender claimed the mail and died before sending it: its claim has run out.
            db.AwardNotifications.Add(AwardNotification.Claim(award.Id, NotificationKind.Issued, DateTime.UtcNow.AddMinutes(-1)));
            await db.SaveChangesAsync();
        });

        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
        await app.DispatchAsync();

        Assert.True(File.Exists(MailFile(award, "issued")));
        var state = await app.Factory.WithDbAsync(db => db.AwardNotifications.AsNoTracking().SingleAsync(n => n.AwardId == award.Id));
        Assert.Equal(2, state.Attempts);
        Assert.NotNull(state.SentAt);
    }

    [Fact]
    public async Task LiveClaimOfAnotherSender_IsLeftAlone_AndTheMessageIsRetriedLater()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual2, world.StudentA2);
        await app.Factory.WithDbAsync(async db =>
        {
            db.AwardNotifications.Add(AwardNotification.Claim(award.Id, NotificationKind.Issued, DateTime.UtcNow.AddMinutes(5)));
            await db.SaveChangesAsync();
        });

        await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
        await app.DispatchAsync();

        Assert.False(File.Exists(MailFile(award, "issued")));
        var pending = await app.Factory.WithDbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.ProcessedAt == null).ToListAsync());
        var message = Assert.Single(pending);
        Assert.Equal(1, message.Attempts);
        Assert.Contains("another instance", message.LastError, StringComparison.Ordinal);
        await app.Factory.WithDbAsync(db => db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteDeleteAsync());
    }

    [Fact]
    public async Task SmtpConfigured_SendsThroughTheServer_OncePerAward_AndWritesNoFile()
    {
        await using var smtp = new FakeSmtpServer();
        var settings = app.Settings;
        settings["Rosette:Smtp:Host"] = "127.0.0.1";
        settings["Rosette:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Rosette:Smtp:Security"] = "none";
        await using var mailing = new RosetteFactory(app.Database, settings: settings);
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual2, world.StudentB1);

        for (var delivery = 0; delivery < 2; delivery++)
        {
            await PublishAsync(OutboxTopics.AwardsIssued, new AwardsIssued(null, [award.Id], false));
            await mailing.Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync(CancellationToken.None);
        }

        var raw = Assert.Single(smtp.Messages);
        var mail = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(raw)));
        Assert.Equal(world.StudentB1.Email, mail.To.Mailboxes.Single().Address);
        Assert.Contains(world.Manual2.Name, mail.Subject, StringComparison.Ordinal);
        Assert.False(File.Exists(MailFile(award, "issued")));
    }
}
