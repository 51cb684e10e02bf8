using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>
/// An app host whose badge deliveries go to a <see cref="FakeCredly"/>, with a clock the test moves to reach retries. A
/// request to the provider times out only when the test moves the clock past <see cref="AttemptTimeout"/> (attempt time
/// limits run on the app's clock): a slow, loaded machine never fails an attempt the test did not mean to fail.
/// </summary>
public class ProvidersFixture : AppFixture
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(20);

    public static readonly Dictionary<string, string?> Settings = new(RosetteFactory.LocalOutbound)
    {
        ["Rosette:Providers:AttemptTimeout"] = AttemptTimeout.ToString(),
        ["Rosette:Providers:PollInterval"] = "00:00:00.050",
    };

    public FakeCredly Credly { get; } = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected virtual Dictionary<string, string?> HostSettings => Settings;

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, Clock, HostSettings);

    /// <summary>A world whose Manual and Manual2 badges are linked to templates of a provider pointing at the fake.</summary>
    public async Task<(World World, ProviderDto Provider)> NewProviderWorldAsync(string? token = null)
    {
        var world = await NewWorldAsync();
        var admin = await ClientAsync(world.AdminRoot);
        var provider = await (await admin.PostJsonAsync("/api/v1/badge-providers", new
        {
            name = "Credly", organizationId = world.Root.Id, type = "credly", providerOrganizationId = FakeCredly.Organization,
            apiToken = token ?? FakeCredly.Token, apiBaseUrl = Credly.ApiBaseUrl,
        })).IsOkAsync<ProviderDto>(System.Net.HttpStatusCode.Created);
        foreach (var badge in new[] { world.Manual, world.Manual2 })
        {
            (await admin.PutJsonAsync($"/api/v1/badges/{badge.Id}/provider", new { providerId = provider.Id, providerTemplateId = $"template-{badge.Id:N}" }))
                .EnsureSuccessStatusCode();
        }
        return (world, provider);
    }

    public async Task<IssueBadgesResult> IssueAsync(World world, Guid badgeId, params Guid[] studentIds)
    {
        var admin = await ClientAsync(world.AdminRoot);
        return await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { badgeId }, studentIds }))
            .IsOkAsync<IssueBadgesResult>();
    }

    public Task<ProviderDelivery> DeliveryAsync(Guid awardId) =>
        Factory.WithDbAsync(db => db.ProviderDeliveries.AsNoTracking().SingleAsync(d => d.AwardId == awardId));

    /// <summary>
    /// Waits for the status. An attempt that failed and waits for a retry fails the test at once, with the provider's answer:
    /// a test that means an attempt to fail waits for it (<see cref="WaitForAttemptAsync"/>) and moves the clock itself.
    /// </summary>
    public Task WaitForAsync(Guid awardId, DeliveryStatus status) => Eventually.TrueAsync(async () =>
    {
        var delivery = await DeliveryAsync(awardId);
        Assert.False(delivery.Status != status && delivery.ClaimedBy is null && delivery.LastError is not null
            && delivery.Status is DeliveryStatus.Pending or DeliveryStatus.RevocationPending && delivery.NextAttemptAt > Clock.GetUtcNow().UtcDateTime,
            $"award {awardId}: an attempt failed unexpectedly ({delivery.LastError}) while waiting for {status}");
        return delivery.Status == status;
    }, $"award {awardId} to reach {status}");

    /// <summary>Waits until attempt number <paramref name="attempts"/> has been made and its answer recorded.</summary>
    public Task WaitForAttemptAsync(Guid awardId, int attempts) => Eventually.TrueAsync(async () =>
    {
        var delivery = await DeliveryAsync(awardId);
        return delivery.Attempts >= attempts && delivery.ClaimedBy is null;
    }, $"attempt {attempts} of award {awardId} to be recorded");

    /// <summary>Moves the clock past the time limit of the requests under way: they time out.</summary>
    public void TimeOutRequests() => Clock.Advance(AttemptTimeout + TimeSpan.FromSeconds(1));

    /// <summary>
    /// The delivery once no round holds it. A round commits the start of its attempt (the count goes up) before it sends, and
    /// records the next attempt's time only after: read in between, the count and the time belong to different attempts.
    /// </summary>
    public async Task<ProviderDelivery> SettledDeliveryAsync(Guid awardId)
    {
        ProviderDelivery? settled = null;
        await Eventually.TrueAsync(async () => (settled = await DeliveryAsync(awardId)).ClaimedBy is null, $"no round to hold the delivery of award {awardId}");
        return settled!;
    }

    /// <summary>Moves the clock past the delivery's next attempt, so that the dispatcher picks it up.</summary>
    public async Task AdvancePastNextAttemptAsync(Guid awardId) => AdvancePastNextAttempt(await SettledDeliveryAsync(awardId));

    /// <summary>Moves the clock past the next attempt of <paramref name="settled"/>, a delivery read while no round held it.</summary>
    public void AdvancePastNextAttempt(ProviderDelivery settled)
    {
        var wait = settled.NextAttemptAt - Clock.GetUtcNow().UtcDateTime;
        if (wait > TimeSpan.Zero)
        {
            Clock.Advance(wait + TimeSpan.FromSeconds(1));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Credly.ReleaseHeld();
        await base.DisposeAsync();
        Credly.Dispose();
    }
}

/// <summary>The same, with no dispatcher of its own: the test's other instances (processes, hosts, rounds it runs) deliver.</summary>
public sealed class DispatcherlessProvidersFixture : ProvidersFixture
{
    protected override Dictionary<string, string?> HostSettings => new(Settings) { ["Rosette:Providers:DispatcherEnabled"] = "false" };
}
