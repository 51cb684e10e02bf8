using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Domain.Notifications;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Infrastructure.Outbox;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>Awards reach Credly (a local fake) exactly once, through every kind of failure.</summary>
public sealed class DeliveryTests(ProvidersFixture app) : IClassFixture<ProvidersFixture>
{
    [Fact]
    public async Task ManualIssuance_IsDeliveredOnce_WithCredlysFieldsAndBasicAuth()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var result = await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id);
        var awardId = Assert.Single(result.Issued).AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        var delivery = await app.DeliveryAsync(awardId);
        var badge = Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA1.Email);
        Assert.Equal(badge.Id, delivery.ProviderBadgeId);
        Assert.Equal(world.StudentA1.Id.ToString(), badge.EarnerId);
        var body = badge.Body;
        Assert.Equal((world.StudentA1.FirstName, world.StudentA1.LastName, $"template-{world.Manual.Id:N}"),
            ((string)body["issued_to_first_name"]!, (string)body["issued_to_last_name"]!, (string)body["badge_template_id"]!));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$", (string)body["issued_at"]!);
        // Credly: expires_at null means "the template's default expiration", false "no expiration": this award never expires.
        Assert.Equal(System.Text.Json.JsonValueKind.False, body["expires_at"]!.GetValueKind());
        // Rosette mails the student (the default), so Credly is asked not to.
        Assert.True((bool)body["suppress_badge_notification_email"]!);
        Assert.Equal(world.StudentA1.Id.ToString(), (string)body["issuer_earner_id"]!);
        Assert.False(body.ContainsKey("locale"), "no organization language, no locale: Credly's default");
        Assert.False(body.ContainsKey("evidence"), "no narrative, no evidence");
        Assert.Equal(1, app.Credly.Creations(world.StudentA1.Email));
    }

    [Fact]
    public async Task BatchIssuance_DeliversEveryAward_AndUnlinkedBadgesAreNotDelivered()
    {
        var (world, _) = await app.NewProviderWorldAsync();

        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.DeleteAsync($"/api/v1/badges/{world.Manual2.Id}/provider")).EnsureSuccessStatusCode();

        var linked = await app.IssueAsync(world, world.Manual.Id, world.ClassStudents.Select(s => s.Id).ToArray());
        var unlinked = await app.IssueAsync(world, world.Manual2.Id, world.StudentA2.Id);
        foreach (var issued in linked.Issued)
        {
            await app.WaitForAsync(issued.AwardId, DeliveryStatus.Delivered);
        }

        Assert.All(world.ClassStudents, s => Assert.Equal(1, app.Credly.Badges.Count(b => b.Email == s.Email && b.TemplateId == $"template-{world.Manual.Id:N}")));
        var unlinkedAward = Assert.Single(unlinked.Issued).AwardId;
        Assert.False(await app.Factory.WithDbAsync(db => db.ProviderDeliveries.AnyAsync(d => d.AwardId == unlinkedAward)));
    }

    [Fact]
    public async Task AutomaticIssuance_IsDeliveredToo()
    {
        var (world, _) = await app.NewProviderWorldAsync();

        var issued = await app.Factory.WithDbAsync(async db =>
        {
            await using var scope = app.Factory.Services.CreateAsyncScope();
            var issuer = scope.ServiceProvider.GetRequiredService<AwardIssuer>();
            var scopedDb = scope.ServiceProvider.GetRequiredService<RosetteDb>();
            await using var transaction = await scopedDb.Database.BeginTransactionAsync();
            var awards = await issuer.IssueAutomaticallyAsync([(world.Manual.Id, world.StudentB1.Id)], CancellationToken.None);
            await scopedDb.SaveChangesAsync();
            await transaction.CommitAsync();
            issuer.NotifyCommitted(awards.Count);
            return awards;
        });

        await app.WaitForAsync(Assert.Single(issued).AwardId, DeliveryStatus.Delivered);
        Assert.Equal(1, app.Credly.Creations(world.StudentB1.Email));
    }

    [Fact]
    public async Task Renewal_ReplacesTheBadgeAtCredly_WithTheNewExpiry()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var email = world.StudentA2.Email;
        (await (await app.ClientAsync(world.AdminRoot)).PatchJsonAsync($"/api/v1/badges/{world.Manual.Id}", new { validityDays = 10, renewalWindowDays = 3 }))
            .EnsureSuccessStatusCode();
        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);
        var firstExpiry = (string?)Assert.Single(app.Credly.Badges, b => b.Email == email).Body["expires_at"];

        app.Clock.Advance(TimeSpan.FromDays(8));
        var renewed = Assert.Single((await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Renewed);
        await Eventually.TrueAsync(() => Task.FromResult((string?)app.Credly.Badges.Single(b => b.Email == email).Body["expires_at"] != firstExpiry),
            "the badge to be replaced at Credly");

        // One badge at Credly, replaced in place (duplicate_behavior "replace"), carrying the renewed credential's expiry.
        var badge = Assert.Single(app.Credly.Badges, b => b.Email == email);
        Assert.Equal("replace", (string?)badge.Body["duplicate_behavior"]);
        Assert.Contains(renewed.ExpiresAt!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), (string?)badge.Body["expires_at"], StringComparison.Ordinal);
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task Revocation_RevokesAtTheProvider_WithTheReason()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/awards/{awardId}/revocation", new { reason = "Exam voided" })).EnsureSuccessStatusCode();
        await app.WaitForAsync(awardId, DeliveryStatus.RevokedAtProvider);

        var badge = Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA2.Email);
        Assert.Equal(("revoked", "Exam voided"), (badge.State, badge.RevocationReason));
    }

    [Fact]
    public async Task BurstOfServerErrors_IsRetriedWithBackoff_ThenDeliveredOnce()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentA1x.Email, "POST", CredlyFault.ServerError, times: 3);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1x.Id)).Issued[0].AwardId;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await app.WaitForAttemptAsync(awardId, attempt);
            var delivery = await app.DeliveryAsync(awardId);
            Assert.Equal(DeliveryStatus.Pending, delivery.Status);
            Assert.Contains("500", delivery.LastError, StringComparison.Ordinal);
            Assert.True(delivery.NextAttemptAt > app.Clock.GetUtcNow().UtcDateTime, "a failed attempt is retried later, not at once");
            await app.AdvancePastNextAttemptAsync(awardId);
        }
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        Assert.Equal(1, app.Credly.Creations(world.StudentA1x.Email));
        var attempts = await (await app.ClientAsync(world.AdminRoot)).GetAsync($"/api/v1/deliveries/{awardId}");
        var detail = await attempts.IsOkAsync<DeliveryDto>();
        Assert.True(detail.AttemptLog!.Count(a => a.Operation == "issue" && a.StatusCode == 500) == 3);
    }

    [Fact]
    public async Task TimeoutAfterTheBadgeWasCreated_IsResolvedByALookup_NotBySendingAgain()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentB1.Email, "POST", CredlyFault.HoldAfterWork);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentB1.Id)).Issued[0].AwardId;
        await app.Credly.HeldAsync(world.StudentB1.Email);
        app.TimeOutRequests();
        await app.WaitForAttemptAsync(awardId, 1);
        app.Credly.ReleaseHeld();
        var ambiguous = await app.DeliveryAsync(awardId);
        Assert.Equal((DeliveryStatus.Pending, true), (ambiguous.Status, ambiguous.MaybeSent));
        Assert.Contains("did not answer in time", ambiguous.LastError, StringComparison.Ordinal);
        await app.AdvancePastNextAttemptAsync(awardId);
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        Assert.Equal(1, app.Credly.Creations(world.StudentB1.Email));
        Assert.Equal(1, app.Credly.Posts(world.StudentB1.Email));
        Assert.Equal(Assert.Single(app.Credly.Badges, b => b.Email == world.StudentB1.Email).Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
    }

    [Fact]
    public async Task AnswerLostAfterTheBadgeWasCreated_IsResolvedByALookup()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentA1x.Email, "POST", CredlyFault.EmptyAnswerAfterWork);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1x.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        var log = await app.Factory.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.AwardId == awardId).OrderBy(a => a.Id)
            .Select(a => $"{a.Operation}:{a.StatusCode}:{a.Answer}").ToListAsync());
        Assert.Equal(["issue:201:", "find:200"], log.Select(l => l.StartsWith("find:200:", StringComparison.Ordinal) ? "find:200" : l));
        Assert.Equal((1, 1), (app.Credly.Creations(world.StudentA1x.Email), app.Credly.Posts(world.StudentA1x.Email)));
        Assert.Equal(Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA1x.Email).Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
    }

    [Fact]
    public async Task ConnectionReset_IsRetriedLater_AndNothingIsLost()
    {
        var (world, provider) = await app.NewProviderWorldAsync();
        using var resetting = new ResettingServer();
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.PatchJsonAsync($"/api/v1/badge-providers/{provider.Id}", new { apiBaseUrl = resetting.ApiBaseUrl, apiToken = FakeCredly.Token })).EnsureSuccessStatusCode();

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Issued[0].AwardId;
        await app.WaitForAttemptAsync(awardId, 1);
        var reset = await app.DeliveryAsync(awardId);
        (await admin.PatchJsonAsync($"/api/v1/badge-providers/{provider.Id}", new { apiBaseUrl = app.Credly.ApiBaseUrl, apiToken = FakeCredly.Token })).EnsureSuccessStatusCode();
        await app.AdvancePastNextAttemptAsync(awardId);
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        Assert.True(resetting.Connections >= 1);
        Assert.Equal((DeliveryStatus.Pending, true), (reset.Status, reset.MaybeSent));
        Assert.Equal(1, app.Credly.Creations(world.StudentA2.Email));
    }

    [Fact]
    public async Task RateLimited_HonoursRetryAfter()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentA2.Email, "POST", CredlyFault.RateLimited);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA2.Id)).Issued[0].AwardId;
        await app.WaitForAttemptAsync(awardId, 1);
        var limited = await app.DeliveryAsync(awardId);

        Assert.InRange((limited.NextAttemptAt - limited.LastAttemptAt!.Value).TotalSeconds, 119, 121);
        Assert.False(limited.MaybeSent);
        await app.AdvancePastNextAttemptAsync(awardId);
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);
        Assert.Equal(1, app.Credly.Creations(world.StudentA2.Email));
    }

    [Fact]
    public async Task ExpiringAwardWithANarrative_SendsItsExpiry_TheNarrativeAsEvidence_AndTheOrganizationsLocale()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.PatchJsonAsync($"/api/v1/badges/{world.Manual.Id}", new { validityDays = 30 })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/api/v1/organizations/{world.Root.Id}", new { language = "fr-ca" })).EnsureSuccessStatusCode();

        var awardId = (await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id }, narrative = "Led the lab." })).IsOkAsync<IssueBadgesResult>()).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        var award = await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().SingleAsync(a => a.Id == awardId));
        var body = Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA2.Email).Body;
        Assert.Equal(CredlyIssue.Time(award.ExpiresAt!.Value), (string)body["expires_at"]!);
        Assert.Equal("fr-CA", (string)body["locale"]!);
        var evidence = Assert.Single(body["evidence"]!.AsArray())!;
        Assert.Equal(("IdEvidence", "Note", "Led the lab."), ((string)evidence["type"]!, (string)evidence["title"]!, (string)evidence["description"]!));
    }

    [Theory]
    [InlineData("fr-CA", "fr-CA")]
    [InlineData("pt-br", "pt-BR")]
    [InlineData("de-AT", "de")]
    [InlineData("en-GB", "en")]
    [InlineData("zh-CN", "zh-CN")]
    [InlineData("zh-TW", null)]
    [InlineData("es-MX", null)]
    [InlineData("nl", null)]
    [InlineData(null, null)]
    public void Locale_IsTheOrganizationsLanguage_OnlyWhenCredlyListsIt(string? language, string? locale) =>
        Assert.Equal(locale, CredlyIssue.LocaleFor(language));

    [Fact]
    public async Task WhoMails_Rosette_SuppressesCredlysMails_Credly_SuppressesRosettes()
    {
        var (rosetteWorld, _) = await app.NewProviderWorldAsync();
        var (credlyWorld, credlyMails) = await app.NewProviderWorldAsync();
        var admin = await app.ClientAsync(credlyWorld.AdminRoot);
        var changed = await (await admin.PatchJsonAsync($"/api/v1/badge-providers/{credlyMails.Id}", new { notifications = "provider" })).IsOkAsync<ProviderDto>();
        Assert.Equal(ProviderNotifications.Provider, changed.Notifications);

        var rosetteBatch = await app.IssueAsync(rosetteWorld, rosetteWorld.Manual.Id, rosetteWorld.StudentA1.Id);
        var credlyBatch = await app.IssueAsync(credlyWorld, credlyWorld.Manual.Id, credlyWorld.StudentA1.Id);
        var (byRosette, byCredly) = (rosetteBatch.Issued[0].AwardId, credlyBatch.Issued[0].AwardId);
        foreach (var (world, batchId, awardId) in new[] { (rosetteWorld, rosetteBatch.Id, byRosette), (credlyWorld, credlyBatch.Id, byCredly) })
        {
            await app.WaitForAsync(awardId, DeliveryStatus.Delivered);
            // The issue mail is decided before the revocation: one not sent by then is rightly never sent (it would announce a
            // revoked badge), and on a loaded machine the outbox can come after the delivery.
            var batchKey = batchId.ToString();
            await Eventually.TrueAsync(() => app.Factory.WithDbAsync(db => db.OutboxMessages.AnyAsync(m =>
                m.Topic == OutboxTopics.AwardsIssued && m.Payload.Contains(batchKey) && m.ProcessedAt != null)), "the batch's issue mail to be handled");
            (await (await app.ClientAsync(world.AdminRoot)).PostJsonAsync($"/api/v1/awards/{awardId}/revocation", new { reason = "Voided" })).EnsureSuccessStatusCode();
            await app.WaitForAsync(awardId, DeliveryStatus.RevokedAtProvider);
        }
        // The four outbox messages that mail (two batches issued, two revocations) handled without error; the batches'
        // batch.completed messages are the webhooks' business.
        var keys = new[] { rosetteBatch.Id, credlyBatch.Id, byRosette, byCredly }.Select(id => id.ToString()).ToList();
        await Eventually.TrueAsync(async () => await app.Factory.WithDbAsync(db => db.OutboxMessages
            .CountAsync(m => (m.Topic == OutboxTopics.AwardsIssued || m.Topic == OutboxTopics.AwardRevoked)
                && (m.Payload.Contains(keys[0]) || m.Payload.Contains(keys[1]) || m.Payload.Contains(keys[2]) || m.Payload.Contains(keys[3]))
                && m.ProcessedAt != null && m.LastError == null)) == 4, "the issue and revocation messages to be handled");
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.OutboxMessages.CountAsync(m =>
            (m.Payload.Contains(keys[0]) || m.Payload.Contains(keys[1]) || m.Payload.Contains(keys[2]) || m.Payload.Contains(keys[3])) && m.LastError != null)));

        JsonObject Issued(World w) => Assert.Single(app.Credly.Badges, b => b.Email == w.StudentA1.Email).Body;
        Assert.True((bool)Issued(rosetteWorld)["suppress_badge_notification_email"]!);
        Assert.False((bool)Issued(credlyWorld)["suppress_badge_notification_email"]!);
        var revokeBodies = app.Credly.RevokeBodies.Where(r => (string)r["reason"]! == "Voided").Select(r => (bool)r["suppress_revoke_notification_email"]!).ToList();
        Assert.Equal([true, false], revokeBodies.TakeLast(2));
        var mails = await app.Factory.WithDbAsync(db => db.AwardNotifications.AsNoTracking()
            .Where(n => n.AwardId == byRosette || n.AwardId == byCredly).Select(n => new { n.AwardId, n.Kind, n.SentAt }).ToListAsync());
        Assert.Equal([NotificationKind.Issued, NotificationKind.Revoked], mails.Where(m => m.AwardId == byRosette && m.SentAt != null).Select(m => m.Kind).Order());
        Assert.DoesNotContain(mails, m => m.AwardId == byCredly);
    }

    [Fact]
    public async Task DuplicateUnderTheStudentsOldEmail_IsFoundByIssuerEarnerId_AndMarkedDelivered()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        // Credly has the badge already, for this student (issuer_earner_id) under the address they had before.
        app.Credly.Preload($"old-{world.StudentA1x.Email}", $"template-{world.Manual.Id:N}", world.StudentA1x.Id.ToString());

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1x.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        var existing = Assert.Single(app.Credly.Badges, b => b.EarnerId == world.StudentA1x.Id.ToString());
        Assert.Equal(existing.Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
        Assert.Equal(0, app.Credly.Creations(world.StudentA1x.Email));
    }

    [Fact]
    public async Task UnprocessableAnswerThatIsNotADuplicate_Fails_WithCredlysMessage_AfterALookupFindsNothing()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        // More than one: on a loaded machine an attempt can time out after the fake answered, and the retry must meet the 422 too.
        app.Credly.Fail(world.StudentB1.Email, "POST", CredlyFault.Unprocessable, times: 5);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentB1.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Failed);

        var detail = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync($"/api/v1/deliveries/{awardId}")).IsOkAsync<DeliveryDto>();
        Assert.Contains("is too long", detail.LastError, StringComparison.Ordinal);
        // Looked up (by issuer_earner_id, then by email) after the 422; nothing is found, so the refusal stands.
        var attempts = detail.AttemptLog!.Select(a => $"{a.Operation} {a.StatusCode}").ToList();
        Assert.Contains("issue 422", attempts);
        Assert.Contains("find 200", attempts);
        Assert.DoesNotContain("issue 201", attempts);
        Assert.Equal(0, app.Credly.Creations(world.StudentB1.Email));
    }

    [Fact]
    public async Task AnAnswerQuotingTheToken_IsKeptWithTheTokenMasked_AsSentAndAsItsAuthorizationHeader()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentB1.Email, "POST", CredlyFault.UnauthorizedEchoingCredentials, times: 5);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentB1.Id)).Issued[0].AwardId;
        await Eventually.TrueAsync(async () => (await app.DeliveryAsync(awardId)).LastError is not null, "an attempt");

        var detail = await (await (await app.ClientAsync(world.AdminRoot)).GetAsync($"/api/v1/deliveries/{awardId}")).IsOkAsync<DeliveryDto>();
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{FakeCredly.Token}:"));
        var stored = await app.Factory.WithDbAsync(db => db.DeliveryAttempts.Where(a => a.AwardId == awardId).Select(a => a.Answer).ToListAsync());
        Assert.Contains("Bad token [token] in header Basic [token]", detail.LastError, StringComparison.Ordinal);
        foreach (var text in stored.Append(detail.LastError).Append(await (await (await app.ClientAsync(world.AdminRoot)).GetAsync($"/api/v1/deliveries/{awardId}")).Content.ReadAsStringAsync()))
        {
            Assert.DoesNotContain(FakeCredly.Token, text ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(basic, text ?? "", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnAnswerLargerThanAMegabyte_FailsTheAttemptUnread_AndIsRetried()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Fail(world.StudentB1.Email, "POST", CredlyFault.HugeAnswer, times: 1);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentB1.Id)).Issued[0].AwardId;
        await Eventually.TrueAsync(async () => (await app.DeliveryAsync(awardId)).LastError is not null, "an attempt");

        var delivery = await app.DeliveryAsync(awardId);
        Assert.Contains($"{Rosette.Features.Providers.CredlyClient.MaxAnswerBytes}", delivery.LastError, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
    }

    [Fact]
    public async Task ManyDueDeliveries_KeepAtMostTheConfiguredRequestsInFlight_ToOneCredlyOrganization()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.A.Id, world.Class.Id, 12);
        var limit = app.Factory.Services.GetRequiredService<ProviderOptions>().ConcurrencyPerOrganization;
        app.Credly.Latency = TimeSpan.FromMilliseconds(300);
        app.Credly.ResetMaxInFlight();
        try
        {
            var issued = await app.IssueAsync(world, world.Manual.Id, students.ToArray());
            foreach (var award in issued.Issued)
            {
                await app.WaitForAsync(award.AwardId, DeliveryStatus.Delivered);
            }
        }
        finally
        {
            app.Credly.Latency = TimeSpan.Zero;
        }

        Assert.Equal(8, limit);
        Assert.InRange(app.Credly.MaxInFlight, 2, limit);
    }

    [Fact]
    public async Task DuplicateAnswer_LooksTheBadgeUp_AndMarksItDelivered()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Preload(world.StudentA1.Email, $"template-{world.Manual.Id:N}");

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);

        var existing = Assert.Single(app.Credly.Badges, b => b.Email == world.StudentA1.Email);
        Assert.Equal(existing.Id, (await app.DeliveryAsync(awardId)).ProviderBadgeId);
    }

    [Fact]
    public async Task InvalidToken_Fails_IsShownToAdministrators_AndRetrySucceedsOnceFixed()
    {
        var (world, provider) = await app.NewProviderWorldAsync(token: "wrong-token");
        var admin = await app.ClientAsync(world.AdminRoot);

        var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1.Id)).Issued[0].AwardId;
        await app.WaitForAsync(awardId, DeliveryStatus.Failed);
        var failed = await (await admin.GetAsync("/api/v1/deliveries?status=failed")).IsOkAsync<Rosette.Infrastructure.Http.Paged<DeliveryDto>>();
        Assert.Contains(failed.Items, d => d.AwardId == awardId && d.LastError!.Contains("Invalid token", StringComparison.Ordinal));
        await (await admin.PostJsonAsync($"/api/v1/deliveries/{Guid.NewGuid()}/retry", new { })).IsProblemAsync(HttpStatusCode.NotFound, "delivery_not_found");

        (await admin.PatchJsonAsync($"/api/v1/badge-providers/{provider.Id}", new { apiToken = FakeCredly.Token })).EnsureSuccessStatusCode();
        var retried = await (await admin.PostJsonAsync($"/api/v1/deliveries/{awardId}/retry", new { })).IsOkAsync<DeliveryDto>();
        Assert.Equal(DeliveryStatus.Pending, retried.Status);
        await app.WaitForAsync(awardId, DeliveryStatus.Delivered);
        await (await admin.PostJsonAsync($"/api/v1/deliveries/{awardId}/retry", new { })).IsProblemAsync(HttpStatusCode.Conflict, "delivery_not_failed");
    }

    [Fact]
    public void Settings_ClaimShorterThanThreeAttemptTimeouts_TheAppRefusesToStart()
    {
        using var invalid = new RosetteFactory(app.Database, null, new Dictionary<string, string?>
        {
            ["Rosette:Providers:ClaimDuration"] = "00:00:03",
            ["Rosette:Providers:AttemptTimeout"] = "00:00:10",
        });

        var refused = Assert.Throws<InvalidOperationException>(invalid.StartServer);
        Assert.Contains("Rosette:Providers:ClaimDuration (00:00:03) must be at least three times Rosette:Providers:AttemptTimeout (00:00:10)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderDownForMoreThanADay_FailsAfterTheRetryWindow()
    {
        var (world, _) = await app.NewProviderWorldAsync();
        app.Credly.Down = true;
        try
        {
            var awardId = (await app.IssueAsync(world, world.Manual.Id, world.StudentA1x.Id)).Issued[0].AwardId;
            await app.WaitForAttemptAsync(awardId, 1);
            var first = (await app.DeliveryAsync(awardId)).FirstAttemptAt!.Value;
            // Nearly a day of failures later: the next retries cross the 24-hour line.
            app.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(30));
            // Each step reads the delivery while no round holds it: the first retry is due at once after the jump, and a read
            // during that attempt would count it while its next attempt's time is still the old one.
            for (var delivery = await app.SettledDeliveryAsync(awardId); delivery.Status == DeliveryStatus.Pending; delivery = await app.SettledDeliveryAsync(awardId))
            {
                app.AdvancePastNextAttempt(delivery);
                await app.WaitForAttemptAsync(awardId, delivery.Attempts + 1);
            }

            var gaveUp = await app.DeliveryAsync(awardId);
            Assert.Equal(DeliveryStatus.Failed, gaveUp.Status);
            // Every attempt was scheduled within the day (the test's clock steps one second past each due time).
            Assert.InRange(gaveUp.LastAttemptAt!.Value - first, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24) + TimeSpan.FromSeconds(5));
            Assert.True(gaveUp.Attempts >= 2);
        }
        finally
        {
            app.Credly.Down = false;
        }
    }
}
