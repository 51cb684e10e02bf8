using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Audit;
using Rosette.Domain.Webhooks;
using Rosette.Features.Webhooks;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;
using StandardWebhooks;

namespace Rosette.Tests.Features.Lifecycle;

/// <summary>
/// Webhooks against a real receiver on loopback, from two instances: Standard Webhooks signatures as a receiver checks them,
/// subtree scoping, retries on 500 and timeouts, at least once without duplicates, order per award, dead letters, replay and
/// disabling with a mail to administrators.
/// </summary>
public sealed class WebhookTests(LifecycleFixture app) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task Endpoint_ReceivesSignedEventsOfItsSubtreeOnly_OncePerEvent_FromTwoInstances()
    {
        var world = await app.NewWorldAsync();
        var path = $"b-{Guid.NewGuid():N}";
        var endpoint = await CreateAsync(world, world.B.Id, path, [WebhookEventTypes.AwardIssued, WebhookEventTypes.BatchCompleted]);
        var other = $"a-{Guid.NewGuid():N}";
        await CreateAsync(world, world.A.Id, other, [WebhookEventTypes.AwardIssued]);
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);
        var students = await Seed.EnrolledStudentsAsync(app.Factory.Services, world.B.Id, classB, 12);

        // Two batches in a class of B through two instances: 13 awards of a badge of B, and their two batch.completed events.
        var first = await Issue(world, classB, [.. students], app.Factory);
        await Issue(world, classB, [world.StudentB1.Id], app.Second);
        await Eventually.TrueAsync(() => Task.FromResult(app.Receiver.At(path).Count >= 15), "15 events at the receiver");
        await Eventually.TrueAsync(() => app.Factory.WithDbAsync(db => db.WebhookDeliveries.AllAsync(d => d.EndpointId != endpoint.Id || d.Status == WebhookDeliveryStatus.Delivered)),
            "every delivery recorded as delivered");

        var received = app.Receiver.At(path);
        Assert.Equal(15, received.Count);
        Assert.Equal(15, received.Select(r => r.Id).Distinct().Count());
        // A receiver verifies with the Standard Webhooks library and the secret it was shown once.
        // Standard Webhooks, "Verifying Webhook Authenticity": HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" in webhook-signature.
        var verifier = new StandardWebhook(endpoint.Secret!);
        foreach (var request in received)
        {
            verifier.Verify(request.Body, request.Headers);
        }
        // A receiver holding another secret, or given a body changed on the way, refuses them.
        Assert.ThrowsAny<Exception>(() => new StandardWebhook(WebhookSecrets.NewSecret()).Verify(received[0].Body, received[0].Headers));
        Assert.ThrowsAny<Exception>(() => verifier.Verify(received[0].Body.Replace("\"id\"", "\"Id\"", StringComparison.Ordinal), received[0].Headers));
        Assert.Equal(2, received.Count(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString() == WebhookEventTypes.BatchCompleted));
        var issued = received.Select(r => JsonDocument.Parse(r.Body).RootElement).Where(e => e.GetProperty("type").GetString() == WebhookEventTypes.AwardIssued).ToList();
        Assert.Equal(13, issued.Count);
        var one = issued.Single(e => e.GetProperty("data").GetProperty("awardId").GetGuid() == first.Issued[0].AwardId);
        Assert.Equal(one.GetProperty("id").GetString(), received.Single(r => r.Body.Contains(first.Issued[0].AwardId.ToString(), StringComparison.Ordinal)).Id);
        Assert.EndsWith($"/credentials/{first.Issued[0].AwardId}", one.GetProperty("data").GetProperty("credentialUrl").GetString(), StringComparison.Ordinal);
        // Public ids and URLs only: nobody's name or email.
        Assert.All(received, r => Assert.DoesNotContain("@", r.Body, StringComparison.Ordinal));
        Assert.All(received, r => Assert.DoesNotContain("Student", r.Body, StringComparison.Ordinal));
        // The endpoint of A asked for award.issued too, but these awards are B's.
        Assert.Empty(app.Receiver.At(other));
        // The secret was shown once: reading the endpoint never returns it.
        var shown = await (await (await app.AdminAsync(world)).GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}")).IsOkAsync<WebhookEndpointDto>();
        Assert.Null(shown.Secret);
    }

    [Fact]
    public async Task Endpoints_AreManagedOnlyFromAbove_AndARefusalChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var endpoint = await CreateAsync(world, world.A.Id, "managed", [WebhookEventTypes.AwardIssued]);
        var create = (Guid organizationId) => new { organizationId, url = app.Receiver.Url("x"), events = new[] { "award.issued" } };
        var before = await EndpointsAsync();

        // Role x organization: an administrator of A may not point A's events somewhere (a peer's power) nor reach B at all;
        // an instructor of A and an administrator of another root see nothing; only those above A manage A's endpoints.
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminA.PostJsonAsync("/api/v1/webhook-endpoints", create(world.A.Id))).IsProblemAsync(HttpStatusCode.Forbidden, "webhook_not_manageable");
            await (await adminA.PostJsonAsync("/api/v1/webhook-endpoints", create(world.B.Id))).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
            await (await adminA.GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}")).IsProblemAsync(HttpStatusCode.Forbidden, "webhook_not_manageable");
            await (await adminA.PostAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/replay-failed", null)).IsProblemAsync(HttpStatusCode.Forbidden, "webhook_not_manageable");
            var instructor = await app.ClientAsync(world.OrgInstructor);
            await (await instructor.PostJsonAsync("/api/v1/webhook-endpoints", create(world.A.Id))).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found");
            await (await instructor.GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "webhook_endpoint_not_found");
            // The list, as every other administration list, refuses whoever is no administrator.
            await (await instructor.GetAsync("/api/v1/webhook-endpoints")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            await (await (await app.ClientAsync(world.StudentA1)).GetAsync("/api/v1/webhook-endpoints")).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            var adminB = await app.ClientAsync(world.AdminB);
            await (await adminB.PatchJsonAsync($"/api/v1/webhook-endpoints/{endpoint.Id}", new { url = "https://attacker.example/x" }))
                .IsProblemAsync(HttpStatusCode.NotFound, "webhook_endpoint_not_found");
            await (await adminB.DeleteAsync($"/api/v1/webhook-endpoints/{endpoint.Id}")).IsProblemAsync(HttpStatusCode.NotFound, "webhook_endpoint_not_found");
            var contractor = await app.ClientAsync(world.ContractInstructor);
            await (await contractor.GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/attempts")).IsProblemAsync(HttpStatusCode.NotFound, "webhook_endpoint_not_found");
            return 0;
        });
        Assert.Equal(before, await EndpointsAsync());
        Assert.Equal(app.Receiver.Url("managed"), before.Single(e => e.Id == endpoint.Id).Url);
        // ?search= finds endpoints by URL (or description).
        var root = await app.ClientAsync(world.AdminRoot);
        var found = await (await root.GetAsync("/api/v1/webhook-endpoints?search=MANAGED")).IsOkAsync<Paged<WebhookEndpointDto>>();
        var none = await (await root.GetAsync($"/api/v1/webhook-endpoints?search=nowhere-{Guid.NewGuid():N}")).IsOkAsync<Paged<WebhookEndpointDto>>();
        Assert.Contains(found.Items, e => e.Id == endpoint.Id);
        Assert.All(found.Items, e => Assert.Contains("managed", e.Url, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task AnEndpointsEdit_IsAuditedWithWhatChanged_AndAnEditThatChangesNothing_IsNot()
    {
        var world = await app.NewWorldAsync();
        var endpoint = await CreateAsync(world, world.A.Id, "audited", [WebhookEventTypes.AwardIssued]);
        var admin = await app.AdminAsync(world);
        var url = $"/api/v1/webhook-endpoints/{endpoint.Id}";

        (await admin.PatchJsonAsync(url, new { url = app.Receiver.Url("moved"), description = "Moved", events = new[] { WebhookEventTypes.AwardIssued, WebhookEventTypes.AwardRevoked } }))
            .EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync(url, new { description = "Moved", url = app.Receiver.Url("moved") })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync(url, new { enabled = false })).EnsureSuccessStatusCode();

        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.EntityId == endpoint.Id && e.Kind == AuditKind.WebhookEndpointUpdated).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(2, entries.Count);
        var moved = JsonDocument.Parse(entries[0].Data!).RootElement;
        Assert.Equal([app.Receiver.Url("audited"), app.Receiver.Url("moved")], moved.GetProperty("url").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["(changed)"], moved.GetProperty("description").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(2, moved.GetProperty("events")[1].GetArrayLength());
        Assert.False(moved.TryGetProperty("isEnabled", out _));
        Assert.Equal("[true,false]", JsonDocument.Parse(entries[1].Data!).RootElement.GetProperty("isEnabled").GetRawText());
        Assert.EndsWith(": isEnabled", entries[1].Summary, StringComparison.Ordinal);
    }

    private Task<List<(Guid Id, string Url, bool IsEnabled)>> EndpointsAsync() => app.Factory.WithDbAsync(async db =>
        (await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.Id).ToListAsync()).Select(e => (e.Id, e.Url, e.IsEnabled)).ToList());

    [Fact]
    public async Task Delivery_RetriedAfter500AndTimeout_ThenDeadLetteredReplayedAndTheEndpointDisabled()
    {
        var world = await app.NewWorldAsync();
        var path = $"flaky-{Guid.NewGuid():N}";
        var endpoint = await CreateAsync(world, world.B.Id, path, [WebhookEventTypes.AwardIssued]);

        // 500, then no answer within the attempt timeout, then 200: three requests with one webhook-id, delivered once.
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);
        var later = Assert.Single(await Seed.EnrolledStudentsAsync(app.Factory.Services, world.B.Id, classB, 1));
        app.Receiver.FailTimes(path, 1);
        await Issue(world, classB, [world.StudentB1.Id]);
        var delivery = await WaitForAttemptsAsync(endpoint.Id, 1);
        Assert.Equal(500, delivery.LastStatusCode);
        var held = app.Receiver.Hold(path);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        // The attempt's limit runs on the app's clock: it passes when the test moves the clock, not with the machine's load.
        await held.Arrived.Within("the second attempt to reach the receiver");
        app.Clock.Advance(LifecycleFixture.WebhookAttemptTimeout + TimeSpan.FromSeconds(1));
        delivery = await WaitForAttemptsAsync(endpoint.Id, 2);
        Assert.Contains("No answer within", delivery.LastError, StringComparison.Ordinal);
        held.Release();
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await DeliveryAsync(endpoint.Id))?.Status == WebhookDeliveryStatus.Delivered, "the third attempt to deliver");
        Assert.Single(app.Receiver.At(path).Select(r => r.Id).Distinct());
        var log = await (await (await app.AdminAsync(world)).GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/attempts")).IsOkAsync<Rosette.Infrastructure.Http.Paged<WebhookAttemptDto>>();
        Assert.Equal([200, null, 500], log.Items.Select(a => a.StatusCode));
        Assert.All(log.Items, a => Assert.Equal(WebhookEventTypes.AwardIssued, a.Type));

        // Failing for good: after 3 days of retries the delivery is dead-lettered; the endpoint failing past DisableAfter is disabled.
        app.Receiver.AlwaysFail(path, true);
        await Issue(world, classB, [later]);
        var failing = await WaitForAttemptsAsync(endpoint.Id, 1, later);
        var ofOne = await (await (await app.AdminAsync(world)).GetAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/attempts?deliveryId={failing.Id}"))
            .IsOkAsync<Rosette.Infrastructure.Http.Paged<WebhookAttemptDto>>();
        Assert.Equal(500, Assert.Single(ofOne.Items, a => a.DeliveryId == failing.Id).StatusCode);
        Assert.Equal(ofOne.Items.Count, ofOne.Total);
        app.Clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromHours(1));
        await Eventually.TrueAsync(async () => (await DeliveryAsync(endpoint.Id, later))?.Status == WebhookDeliveryStatus.Failed, "the delivery to be dead-lettered");
        var disabled = await app.Factory.WithDbAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == endpoint.Id));
        Assert.False(disabled.IsEnabled);
        Assert.NotNull(disabled.DisabledReason);
        await Eventually.TrueAsync(() => Task.FromResult(app.MailsTo(world.AdminRoot.Email, "Webhook endpoint disabled").Count == 1), "the administrators' mail");
        Assert.Empty(app.MailsTo(world.AdminB.Email, "Webhook endpoint disabled"));

        // The receiver works again: enable the endpoint, replay the failed deliveries.
        app.Receiver.AlwaysFail(path, false);
        var admin = await app.AdminAsync(world);
        (await admin.PatchJsonAsync($"/api/v1/webhook-endpoints/{endpoint.Id}", new { enabled = true })).EnsureSuccessStatusCode();
        var replayed = await (await admin.PostAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/replay-failed", null)).IsOkAsync<ReplayResult>();
        Assert.Equal(1, replayed.Replayed);
        await Eventually.TrueAsync(async () => (await DeliveryAsync(endpoint.Id, later))?.Status == WebhookDeliveryStatus.Delivered, "the replay to be delivered");
        await (await admin.PostAsync($"/api/v1/webhook-endpoints/{endpoint.Id}/deliveries/{failing.Id}/replay", null)).IsProblemAsync(HttpStatusCode.Conflict, "delivery_not_failed");
    }

    [Fact]
    public async Task Deliveries_OfOneAward_ArriveInOrder()
    {
        var world = await app.NewWorldAsync();
        var path = $"order-{Guid.NewGuid():N}";
        var endpoint = await CreateAsync(world, world.B.Id, path, [WebhookEventTypes.AwardIssued, WebhookEventTypes.AwardRevoked]);
        var held = app.Receiver.Hold(path);
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);
        var award = Assert.Single((await Issue(world, classB, [world.StudentB1.Id])).Issued);
        await Eventually.TrueAsync(async () => (await app.Factory.WithDbAsync(db => db.WebhookDeliveries.AnyAsync(d => d.EndpointId == endpoint.Id && (d.ClaimedBy != null || d.Attempts > 0)))),
            "award.issued to be on its way");
        (await (await app.ClientAsync(world.AdminB)).PostJsonAsync($"/api/v1/awards/{award.AwardId}/revocation", new { reason = "Issued by mistake." })).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => app.Factory.WithDbAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == endpoint.Id).ContinueWith(t => t.Result == 2)),
            "award.revoked to be recorded");

        // Rounds of both instances pass over award.revoked while award.issued is unanswered.
        foreach (var host in app.Hosts)
        {
            await host.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None);
        }
        var waiting = await app.Factory.WithDbAsync(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpoint.Id).OrderBy(d => d.Id).ToListAsync());
        Assert.Equal(0, waiting[1].Attempts);
        Assert.DoesNotContain(app.Receiver.At(path), r => r.Body.Contains("award.revoked", StringComparison.Ordinal));
        // The held attempt cannot have timed out: its limit runs on the app's clock, which has not moved.
        held.Release();
        await Eventually.TrueAsync(async () => (await DeliveryAsync(endpoint.Id))?.Status == WebhookDeliveryStatus.Delivered, "award.issued to be delivered");
        await Eventually.TrueAsync(() => Task.FromResult(app.Receiver.At(path).Any(r => r.Body.Contains("award.revoked", StringComparison.Ordinal))), "award.revoked");
        var types = app.Receiver.At(path).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(["award.issued", "award.revoked"], types);
    }

    [Fact]
    public async Task AnEndpointWhoseSecretThisInstanceCannotDecrypt_FailsItsOwnDeliveriesOnly()
    {
        var world = await app.NewWorldAsync();
        var path = $"good-{Guid.NewGuid():N}";
        var brokenPath = $"broken-{Guid.NewGuid():N}";
        var good = await CreateAsync(world, world.B.Id, path, [WebhookEventTypes.AwardIssued]);
        var broken = await CreateAsync(world, world.B.Id, brokenPath, [WebhookEventTypes.AwardIssued]);
        // Protected under a key ring the instances do not have (a restored database, or instances that share no keys).
        var foreign = DataProtectionProvider.Create("Rosette tests: another key ring").CreateProtector("Rosette.Webhooks.Secret").Protect(WebhookSecrets.NewSecret());
        await app.Factory.WithDbAsync(db => db.WebhookEndpoints.Where(e => e.Id == broken.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ProtectedSecret, foreign)));
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);

        await Issue(world, classB, [world.StudentB1.Id]);

        await Eventually.TrueAsync(async () => (await DeliveryAsync(good.Id))?.Status == WebhookDeliveryStatus.Delivered, "the good endpoint's delivery");
        var failed = await WaitForAttemptsAsync(broken.Id, 1);
        Assert.Equal(WebhookDeliveryStatus.Pending, failed.Status);
        Assert.Contains("cannot decrypt the endpoint's signing secret", failed.LastError, StringComparison.Ordinal);
        Assert.Null(failed.LastStatusCode);
        Assert.Single(app.Receiver.At(path));
        Assert.Empty(app.Receiver.At(brokenPath));
        // Nothing stored is changed by the failure: the endpoint keeps its (unreadable) secret until an administrator rotates it.
        Assert.Equal(foreign, await app.Factory.WithDbAsync(db => db.WebhookEndpoints.Where(e => e.Id == broken.Id).Select(e => e.ProtectedSecret).SingleAsync()));
    }

    [Fact]
    public async Task AReceiversStrangeAnswer_FailsItsOwnDeliveryOnly_AndIsReadOnlyInPart()
    {
        var world = await app.NewWorldAsync();
        var path = $"good-{Guid.NewGuid():N}";
        var strangePath = $"strange-{Guid.NewGuid():N}";
        var good = await CreateAsync(world, world.B.Id, path, [WebhookEventTypes.AwardIssued]);
        var strange = await CreateAsync(world, world.B.Id, strangePath, [WebhookEventTypes.AwardIssued]);
        // A charset nobody knows made reading the answer throw, which ended the whole round: the good endpoint's delivery
        // was sent but never recorded. 32 MB stands for an answer too large to read.
        app.Receiver.AnswerStrangely(strangePath, "text/plain; charset=bogus-9", 32 << 20);
        var classB = await Seed.ClassAsync(app.Factory.Services, world.B.Id, world.StudentB1.Id);

        await Issue(world, classB, [world.StudentB1.Id]);

        await Eventually.TrueAsync(async () => (await DeliveryAsync(good.Id))?.Status == WebhookDeliveryStatus.Delivered, "the good endpoint's delivery");
        var failed = await WaitForAttemptsAsync(strange.Id, 1);
        Assert.Equal((WebhookDeliveryStatus.Pending, 500), (failed.Status, failed.LastStatusCode));
        Assert.Equal("HTTP 500: " + new string('x', 199) + "…", failed.LastError);
        Assert.Single(app.Receiver.At(path));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.WebhookAttempts.CountAsync(a => a.DeliveryId == failed.Id)));
    }

    private async Task<WebhookEndpointDto> CreateAsync(World world, Guid organizationId, string path, string[] events) =>
        await (await (await app.AdminAsync(world)).PostJsonAsync("/api/v1/webhook-endpoints", new { organizationId, url = app.Receiver.Url(path), events }))
            .IsOkAsync<WebhookEndpointDto>(HttpStatusCode.Created);

    /// <summary>The badge of B to students of a class of B, by B's administrator (signed in afresh: the clock moves).</summary>
    private async Task<Rosette.Features.Issuance.IssueBadgesResult> Issue(World world, Guid classId, Guid[] studentIds, RosetteFactory? host = null) =>
        await (await (await (host ?? app.Factory).ClientForAsync(world.AdminB)).PostJsonAsync($"/api/v1/classes/{classId}/badge-issuances",
            new { badgeIds = new[] { world.BadgeB.Id }, studentIds })).IsOkAsync<Rosette.Features.Issuance.IssueBadgesResult>();

    private Task<WebhookDelivery?> DeliveryAsync(Guid endpointId, Guid? studentId = null) => app.Factory.WithDbAsync(db =>
        (from d in db.WebhookDeliveries.AsNoTracking()
         where d.EndpointId == endpointId
         join a in db.Awards on d.SubjectId equals a.Id
         where studentId == null || a.StudentId == studentId
         orderby d.Id
         select d).FirstOrDefaultAsync());

    private async Task<WebhookDelivery> WaitForAttemptsAsync(Guid endpointId, int attempts, Guid? studentId = null)
    {
        WebhookDelivery? delivery = null;
        await Eventually.TrueAsync(async () =>
        {
            delivery = await DeliveryAsync(endpointId, studentId);
            return delivery is not null && delivery.Attempts >= attempts && delivery.ClaimedBy is null;
        }, $"attempt {attempts}");
        return delivery!;
    }
}
