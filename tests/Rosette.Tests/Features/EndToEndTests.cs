using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Issuance;
using Rosette.Domain.Notifications;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Outbox;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The app with every background loop running as in production (outbox, deliveries, achievements), mail over SMTP to a
/// real server in the test process and badges to a fake Credly: nothing is published or dispatched by the test.
/// </summary>
public sealed class EndToEndFixture : AppFixture
{
    public FakeSmtpServer Smtp { get; } = new();

    public FakeCredly Credly { get; } = new();

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, settings: new Dictionary<string, string?>(RosetteFactory.LocalOutbound)
    {
        ["Rosette:PublicBaseUrl"] = "https://badges.rosette.test",
        ["Rosette:Smtp:Host"] = "127.0.0.1",
        ["Rosette:Smtp:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Rosette:Smtp:Security"] = "none",
        ["Rosette:Outbox:PollInterval"] = "00:00:00.050",
        ["Rosette:Providers:PollInterval"] = "00:00:00.050",
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        Credly.Dispose();
    }
}

public sealed class EndToEndTests(EndToEndFixture app) : IClassFixture<EndToEndFixture>
{
    /// <summary>An administrator connects Credly to the world's root organization and maps its Manual badge to a template.</summary>
    private async Task<HttpClient> ConnectCredlyAsync(World world)
    {
        var admin = await app.ClientAsync(world.AdminRoot);
        var provider = await (await admin.PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "Credly", organizationId = world.Root.Id, type = "credly", providerOrganizationId = FakeCredly.Organization,
            apiToken = FakeCredly.Token, apiBaseUrl = app.Credly.ApiBaseUrl,
        })).IsOkAsync<ProviderDto>(HttpStatusCode.Created);
        (await admin.PutJsonAsync($"/api/v1/badges/{world.Manual.Id}/provider", new { providerId = provider.Id, providerTemplateId = $"template-{world.Manual.Id:N}" }))
            .EnsureSuccessStatusCode();
        return admin;
    }

    private Task UntilAsync(Func<Rosette.Data.RosetteDb, Task<bool>> condition, string what) =>
        Eventually.TrueAsync(() => app.Factory.WithDbAsync(condition), what);

    private Task SentAsync(Guid awardId, NotificationKind kind) =>
        UntilAsync(db => db.AwardNotifications.AnyAsync(n => n.AwardId == awardId && n.Kind == kind && n.SentAt != null), $"the {kind} mail of award {awardId}");

    private Task DeliveryAsync(Guid awardId, DeliveryStatus status) =>
        UntilAsync(db => db.ProviderDeliveries.AnyAsync(d => d.AwardId == awardId && d.Status == status), $"award {awardId} to reach {status} at Credly");

    [Fact]
    public async Task ConcurrentRevocations_OneSucceeds_TheRest409_OneAuditEntry_OneMail_OneRevocationAtCredly()
    {
        var world = await app.NewWorldAsync();
        var admin = await ConnectCredlyAsync(world);
        var issued = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<IssueBadgesResult>();
        var awardId = Assert.Single(issued.Issued).AwardId;
        await DeliveryAsync(awardId, DeliveryStatus.Delivered);
        await SentAsync(awardId, NotificationKind.Issued);
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.ClientAsync(world.AdminRoot)));

        var answers = await Task.WhenAll(clients.Select(c => c.PostJsonAsync($"/api/v1/awards/{awardId}/revocation", new { reason = "Exam voided" })));
        await DeliveryAsync(awardId, DeliveryStatus.RevokedAtProvider);
        await SentAsync(awardId, NotificationKind.Revoked);
        await UntilAsync(db => db.OutboxMessages.AllAsync(m => m.ProcessedAt != null), "the outbox to be done");

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
        {
            await refused.IsProblemAsync(HttpStatusCode.Conflict, "already_revoked");
        }
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Kind == AuditKind.AwardRevoked && e.EntityId == awardId)));
        var revokedMessages = await app.Factory.WithDbAsync(db => db.OutboxMessages.Where(m => m.Topic == OutboxTopics.AwardRevoked).ToListAsync());
        Assert.Single(revokedMessages, m => m.Read<AwardRevoked>().AwardId == awardId);
        var mails = app.Smtp.MessagesTo(world.StudentA1.Email);
        Assert.Equal(2, mails.Count);
        Assert.Single(mails, m => m.Subject?.Contains("revoked", StringComparison.Ordinal) == true);
        Assert.Equal(1, app.Credly.Requests("PUT"));
        Assert.Equal("revoked", Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA1.Email).State);
    }

    [Fact]
    public async Task AchievementAward_IsMailedToTheStudent_AndDeliveredToCredly()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var admin = await ConnectCredlyAsync(world);
        (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-e2e"), world.Manual.Id)))
            .EnsureSuccessStatusCode();

        (await admin.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event("e2e-1", world.StudentA2.Id, "lab_completed", "lab-e2e") })).EnsureSuccessStatusCode();
        await UntilAsync(db => db.Awards.AnyAsync(a => a.BadgeId == world.Manual.Id && a.StudentId == world.StudentA2.Id), "the automatic award");
        var award = await app.Factory.WithDbAsync(db => db.Awards.SingleAsync(a => a.BadgeId == world.Manual.Id && a.StudentId == world.StudentA2.Id));
        await DeliveryAsync(award.Id, DeliveryStatus.Delivered);
        await SentAsync(award.Id, NotificationKind.Issued);

        Assert.Equal(AwardSource.Achievement, award.Source);
        Assert.Equal(1, app.Credly.Creations(world.StudentA2.Email));
        var mail = Assert.Single(app.Smtp.MessagesTo(world.StudentA2.Email));
        Assert.Contains(world.Manual.Name, mail.Subject, StringComparison.Ordinal);
        Assert.Contains($"https://badges.rosette.test/credentials/{award.Id}", mail.TextBody, StringComparison.Ordinal);
    }
}
