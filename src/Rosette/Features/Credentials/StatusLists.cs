using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Credentials;
using Rosette.Infrastructure.Hosting;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Credentials;

/// <summary>Settings of the W3C Bitstring Status Lists (section Rosette:Credentials:StatusLists).</summary>
public sealed class StatusListSettings
{
    public const string Section = "Rosette:Credentials:StatusLists";

    /// <summary>Whether this instance signs due lists in the background (every instance may; they take turns per list).</summary>
    public bool PublisherEnabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after a revocation the list is signed again, so that a burst of revocations costs one signature.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a signed list is valid (its validUntil); it is signed again when less than half of it remains.</summary>
    public TimeSpan ValidFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long verifiers may cache a list (Cache-Control max-age, and the list's ttl).</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>A signed status list as served.</summary>
public sealed record ServedStatusList(string Jws, DateTime ValidUntil);

/// <summary>
/// The issuers' W3C Bitstring Status Lists: an index for each credential when it is signed (never twice, whatever number of
/// instances allocate at once: a compare-and-swap on the list's counter, and a unique index on list and index), and the
/// signed list every instance serves from the database, signed again after revocations and before it expires.
/// </summary>
public sealed class StatusListsHandler(
    RosetteDb db, TimeProvider clock, SigningKeysHandler keys, OpenBadgesDocuments documents, StatusListSettings settings, ILogger<StatusListsHandler> logger)
{
    private static readonly TimeSpan PublishingLease = TimeSpan.FromMinutes(1);
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>
    /// A fresh index in the issuer's current list, opening the next list when it is full. A lost compare-and-swap means
    /// another allocation succeeded, so the loop always makes progress, however many requests allocate at once.
    /// </summary>
    public async Task<(Guid ListId, StatusEntry Entry)> AllocateAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var list = await db.StatusLists.AsNoTracking()
                .Where(l => l.OrganizationId == organizationId && l.Purpose == StatusList.Revocation)
                .OrderByDescending(l => l.Number)
                .Select(l => new { l.Id, l.Number, l.Allocated, l.IndexKey })
                .FirstOrDefaultAsync(cancellationToken);
            if (list is null || list.Allocated >= StatusList.Length)
            {
                await OpenListAsync(organizationId, (list?.Number ?? 0) + 1, cancellationToken);
                continue;
            }
            // Whoever moves the counter from n to n + 1 owns allocation n; a loser reads again and tries the next one.
            var taken = await db.StatusLists.Where(l => l.Id == list.Id && l.Allocated == list.Allocated)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Allocated, l => l.Allocated + 1), cancellationToken);
            if (taken == 1)
            {
                return (list.Id, new StatusEntry(list.Number, StatusList.IndexOf(list.IndexKey, list.Allocated)));
            }
        }
    }

    private async Task OpenListAsync(Guid organizationId, int number, CancellationToken cancellationToken)
    {
        db.StatusLists.Add(StatusList.Create(organizationId, number, clock.UtcNowSeconds()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another request or instance opened it first: use theirs.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Records that the bits of the lists holding this award's credentials may have changed; returns how many lists.</summary>
    public Task<int> MarkChangedAsync(Guid awardId, CancellationToken cancellationToken)
    {
        var now = clock.UtcNowSeconds();
        return db.StatusLists.Where(l => db.CredentialStatuses.Any(s => s.AwardId == awardId && s.StatusListId == l.Id))
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Revision, l => l.Revision + 1)
                .SetProperty(l => l.ChangedAt, l => l.ChangedAt ?? now), cancellationToken);
    }

    /// <summary>Signs every list that is due (see <see cref="StatusList.IsDue"/>); returns how many it signed.</summary>
    public async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.UtcNowSeconds();
        var due = await db.StatusLists.AsNoTracking().Where(StatusList.IsDue(now, settings.Debounce, settings.ValidFor / 2, documents.Urls.Base))
            .Where(l => l.PublishingUntil == null || l.PublishingUntil < now)
            .Select(l => l.Id).ToListAsync(cancellationToken);
        var signed = 0;
        foreach (var listId in due)
        {
            if (await TryClaimAsync(listId, cancellationToken))
            {
                await PublishAsync(listId, cancellationToken);
                signed++;
            }
        }
        return signed;
    }

    /// <summary>The signed list of an issuer, signing it first if it never was (or was for another public base URL).</summary>
    public async Task<ServedStatusList?> GetAsync(Guid organizationId, int number, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var list = await db.StatusLists.AsNoTracking()
                .Where(l => l.OrganizationId == organizationId && l.Purpose == StatusList.Revocation && l.Number == number)
                .Select(l => new { l.Id, l.Jws, l.SignedBaseUrl, l.ValidUntil })
                .FirstOrDefaultAsync(cancellationToken);
            if (list is null)
            {
                return null;
            }
            if (list.Jws is not null && list.SignedBaseUrl == documents.Urls.Base && list.ValidUntil > clock.GetUtcNow().UtcDateTime)
            {
                return new ServedStatusList(list.Jws, list.ValidUntil!.Value);
            }
            if (await TryClaimAsync(list.Id, cancellationToken))
            {
                await PublishAsync(list.Id, cancellationToken);
                continue;
            }
            // Another request or instance is signing it right now.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        throw new InvalidOperationException($"Status list {number} of issuer {organizationId} was not signed in time.");
    }

    private async Task<bool> TryClaimAsync(Guid listId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + PublishingLease;
        return await db.StatusLists.Where(l => l.Id == listId && (l.PublishingUntil == null || l.PublishingUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.PublishingUntil, until), cancellationToken) == 1;
    }

    /// <summary>Signs the list as it stands and stores it (the caller holds the publishing claim).</summary>
    private async Task PublishAsync(Guid listId, CancellationToken cancellationToken)
    {
        try
        {
            // The revision is read before the bits: a revocation counted in it is already committed, so its bit is read too.
            var list = await db.StatusLists.AsNoTracking().Where(l => l.Id == listId)
                .Select(l => new { l.OrganizationId, l.Number, l.Revision }).SingleAsync(cancellationToken);
            var revoked = await (
                from s in db.CredentialStatuses
                where s.StatusListId == listId
                join a in db.Awards on s.AwardId equals a.Id
                where a.RevokedAt != null
                select s.Index).ToListAsync(cancellationToken);
            var now = clock.UtcNowSeconds();
            var validUntil = now + settings.ValidFor;
            var credential = documents.StatusListCredential(list.OrganizationId, list.Number, StatusList.Encode(revoked), now, validUntil, settings.CacheFor);
            var jws = CredentialsHandler.Sign(OpenBadgesDocuments.JwtPayload(credential).ToJsonString(Compact), await keys.GetCurrentAsync(cancellationToken));
            var baseUrl = documents.Urls.Base;
            await db.StatusLists.Where(l => l.Id == listId).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Jws, jws)
                .SetProperty(l => l.SignedBaseUrl, baseUrl)
                .SetProperty(l => l.SignedAt, now)
                .SetProperty(l => l.ValidUntil, validUntil)
                .SetProperty(l => l.SignedRevision, list.Revision)
                // A change that came in while signing is published after another pause.
                .SetProperty(l => l.ChangedAt, l => l.Revision > list.Revision ? now : null)
                .SetProperty(l => l.PublishingUntil, (DateTime?)null), CancellationToken.None);
            logger.LogInformation("Signed status list {Number} of issuer {OrganizationId} at revision {Revision} ({Revoked} revoked)",
                list.Number, list.OrganizationId, list.Revision, revoked.Count);
        }
        catch
        {
            await db.StatusLists.Where(l => l.Id == listId).ExecuteUpdateAsync(s => s.SetProperty(l => l.PublishingUntil, (DateTime?)null), CancellationToken.None);
            throw;
        }
    }
}

/// <summary>Wakes this instance's status list publisher when a revocation was recorded here.</summary>
public sealed class StatusListSignal : WakeSignal;

/// <summary>Signs the due status lists in the background, on every instance (each list is claimed by one at a time).</summary>
public sealed class StatusListPublisher(IServiceScopeFactory scopes, StatusListSignal signal, StatusListSettings settings, ILogger<StatusListPublisher> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        settings.PublisherEnabled
            ? signal.RunRoundsAsync(RunOnceAsync, settings.PollInterval, (e, _, ct) =>
            {
                logger.LogError(e, "The status list publisher failed; retrying shortly.");
                return Task.Delay(settings.PollInterval, ct);
            }, stoppingToken)
            : Task.CompletedTask;

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StatusListsHandler>().PublishDueAsync(cancellationToken);
    }
}

/// <summary>A revocation marks the lists of the award's credentials as changed (in the outbox, after the revocation committed).</summary>
public sealed class StatusListRevocationHandler(StatusListsHandler lists, StatusListSignal signal) : IOutboxHandler
{
    public string Topic => OutboxTopics.AwardRevoked;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (await lists.MarkChangedAsync(message.Read<AwardRevoked>().AwardId, cancellationToken) > 0)
        {
            signal.Notify();
        }
    }
}
