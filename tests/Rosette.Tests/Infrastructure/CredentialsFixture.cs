using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Domain.Users;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// The app with an https public base URL (as production must have: OB 3.0 wants an https <c>kid</c>), mail written as
/// .eml files to a private folder, and the outbox dispatcher driven by the test (<see cref="DispatchAsync"/>) instead of
/// its background loop, so that nothing races the assertions.
/// </summary>
public sealed class CredentialsFixture : AppFixture
{
    public const string PublicBaseUrl = "https://badges.rosette.test";

    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), "rosette-tests", $"mail-{Guid.NewGuid():N}");

    public Dictionary<string, string?> Settings => new()
    {
        ["Rosette:PublicBaseUrl"] = PublicBaseUrl,
        ["Rosette:Outbox:Enabled"] = "false",
        ["Rosette:Mail:Directory"] = MailDirectory,
        ["Rosette:Providers:DispatcherEnabled"] = "false",
        // Status lists are signed again soon after a revocation here; the tests wait for it, never for a fixed time.
        ["Rosette:Credentials:StatusLists:Debounce"] = "00:00:00.200",
        ["Rosette:Credentials:StatusLists:PollInterval"] = "00:00:00.100",
    };

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, settings: Settings);

    /// <summary>A second instance on the same database and certificate.</summary>
    public RosetteFactory SecondInstance() => new(Database, settings: Settings);

    /// <summary>An anonymous client whose base is the public base URL, so the ids inside credentials can be fetched as they are.</summary>
    public HttpClient Public(RosetteFactory? factory = null) =>
        (factory ?? Factory).CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(PublicBaseUrl), AllowAutoRedirect = false });

    public Task<int> DispatchAsync(RosetteFactory? factory = null) =>
        (factory ?? Factory).Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync(CancellationToken.None);

    public async Task<Badge> GiveImageAsync(Badge badge, string contentType, byte[] data) => await Factory.WithDbAsync(async db =>
    {
        var tracked = await db.Badges.FindAsync(badge.Id) ?? throw new InvalidOperationException("No such badge.");
        tracked.SetImage(contentType, DateTime.UtcNow);
        db.BadgeImages.Add(new BadgeImage(badge.Id, contentType, data));
        await db.SaveChangesAsync();
        return tracked;
    });

    public async Task<Award> AwardAsync(Badge badge, User student, DateTime? issuedAt = null, DateTime? expiresAt = null, string? narrative = null, Guid? batchId = null)
    {
        var award = Award.Create(new AwardFacts(badge.Id, student.Id, issuedAt ?? TimeProvider.System.UtcNowSeconds(), AwardSource.Roster) { BatchId = batchId, Narrative = narrative, ExpiresAt = expiresAt });
        await Factory.WithDbAsync(async db =>
        {
            db.Awards.Add(award);
            await db.SaveChangesAsync();
        });
        return award;
    }

    /// <summary>Revokes through the API, as an administrator would, then runs the outbox (its messages then have been handled).</summary>
    public async Task RevokeThroughApiAsync(Award award, User administrator, string reason, RosetteFactory? factory = null)
    {
        var client = await (factory ?? Factory).ClientForAsync(administrator);
        (await client.PostJsonAsync($"/api/v1/awards/{award.Id}/revocation", new { reason })).EnsureSuccessStatusCode();
        await DispatchAsync(factory);
    }

    public Task RevokeAsync(Award award, User by, string reason) => Factory.WithDbAsync(async db =>
    {
        var tracked = await db.Awards.FindAsync(award.Id) ?? throw new InvalidOperationException("No such award.");
        Assert.Null(tracked.Revoke(by.Id, reason, TimeProvider.System.UtcNowSeconds()));
        await db.SaveChangesAsync();
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(MailDirectory))
        {
            Directory.Delete(MailDirectory, recursive: true);
        }
    }
}

/// <summary>The conformance and status list tests share one host and database (one signing key made, one start-up paid).</summary>
[CollectionDefinition(Name)]
public sealed class SharedCredentialsHost : ICollectionFixture<CredentialsFixture>
{
    public const string Name = "Credentials";
}
