using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Rosette.Domain.Providers;
using Rosette.Features.Issuance;
using Rosette.Features.Providers;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Providers;

/// <summary>An app host whose badge deliveries go to a <see cref="FakeCredly"/>, with a clock the test moves to reach retries.</summary>
public sealed class ProvidersFixture : AppFixture
{
    public static readonly Dictionary<string, string?> Settings = new(RosetteFactory.LocalOutbound)
    {
        // Short enough for the timeout tests, long enough for a loaded machine (the fake's slow answers take longer).
        ["Rosette:Providers:AttemptTimeout"] = "00:00:03",
        ["Rosette:Providers:PollInterval"] = "00:00:00.050",
    };

    public FakeCredly Credly { get; } = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, Clock, Settings);

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
    /// Waits for the status. A delivery that failed an attempt on a loaded machine (a timeout) waits for its retry on the
    /// test's clock, so the clock is moved on to it: the outcome, exactly once at the provider, is what the tests assert.
    /// </summary>
    public Task WaitForAsync(Guid awardId, DeliveryStatus status) => Eventually.TrueAsync(async () =>
    {
        var delivery = await DeliveryAsync(awardId);
        if (delivery.Status != status && delivery.ClaimedBy is null && delivery.NextAttemptAt > Clock.GetUtcNow().UtcDateTime
            && delivery.Status is DeliveryStatus.Pending or DeliveryStatus.RevocationPending)
        {
            Clock.Advance(delivery.NextAttemptAt - Clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(1));
        }
        return delivery.Status == status;
    }, $"award {awardId} to reach {status}");

    /// <summary>Waits until attempt number <paramref name="attempts"/> has been made and its answer recorded.</summary>
    public Task WaitForAttemptAsync(Guid awardId, int attempts) => Eventually.TrueAsync(async () =>
    {
        var delivery = await DeliveryAsync(awardId);
        return delivery.Attempts >= attempts && delivery.ClaimedBy is null;
    }, $"attempt {attempts} of award {awardId} to be recorded");

    /// <summary>Moves the clock past the delivery's next attempt, so that the dispatcher picks it up.</summary>
    public async Task AdvancePastNextAttemptAsync(Guid awardId)
    {
        var delivery = await DeliveryAsync(awardId);
        var wait = delivery.NextAttemptAt - Clock.GetUtcNow().UtcDateTime;
        if (wait > TimeSpan.Zero)
        {
            Clock.Advance(wait + TimeSpan.FromSeconds(1));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Credly.Dispose();
    }
}
