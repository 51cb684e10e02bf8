using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Credentials;

namespace Rosette.Features.Credentials;

/// <summary>A signed credential as served: the JSON, the compact JWS, and the JWS's bytes ready to write.</summary>
public sealed record ServedCredential(Guid CredentialId, Guid AwardId, string Json, string Jws)
{
    public byte[] JwsUtf8 { get; } = Encoding.UTF8.GetBytes(Jws);

    public byte[] JsonUtf8 { get; } = Encoding.UTF8.GetBytes(Json);
}

/// <summary>
/// Signs each credential once (an award's first, whose id is the award's, and each one its renewals made), stores it (every
/// instance then serves the same bytes) and keeps it in memory.
/// Signing gives the credential its subject id and its index in the issuer's status list. A stored credential never
/// changes (revocation is published by the list its credentialStatus names), so the memory copy needs no invalidation;
/// it is only bounded in size.
/// </summary>
public sealed class CredentialsHandler(
    RosetteDb db, TimeProvider clock, SigningKeysHandler keys, OpenBadgesDocuments documents, CredentialCache cache, StatusListsHandler statusLists, StatusListSignal signal)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public async Task<Result<ServedCredential>> GetAsync(Guid credentialId, CancellationToken cancellationToken)
    {
        if (cache.TryGet(credentialId) is { } cached)
        {
            return cached;
        }
        var baseUrl = documents.Urls.Base;
        var stored = await db.SignedCredentials.AsNoTracking().Where(c => c.CredentialId == credentialId)
            .Select(c => new { c.AwardId, c.BaseUrl, c.Json, c.Jws }).FirstOrDefaultAsync(cancellationToken);
        if (stored is not null && stored.BaseUrl == baseUrl)
        {
            return cache.Add(new ServedCredential(credentialId, stored.AwardId, stored.Json, stored.Jws));
        }
        var facts = await db.FindCredentialAsync(credentialId, cancellationToken);
        if (facts is null)
        {
            return CredentialErrors.NotFound(credentialId.ToString());
        }
        var served = await SignAsync(facts, replace: stored is not null, cancellationToken);
        return cache.Add(served);
    }

    private async Task<ServedCredential> SignAsync(CredentialFacts facts, bool replace, CancellationToken cancellationToken)
    {
        var key = await keys.GetCurrentAsync(cancellationToken);
        var subjectId = await SubjectIdAsync(facts.StudentId, facts.Issuer.Id, cancellationToken);
        // A credential signed again (for a new public base URL) keeps its index; a new one gets the next.
        var existing = await (from s in db.CredentialStatuses
                              where s.CredentialId == facts.CredentialId
                              join l in db.StatusLists on s.StatusListId equals l.Id
                              select new { s.StatusListId, l.Number, s.Index }).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        var (listId, status) = existing is not null
            ? (existing.StatusListId, new StatusEntry(existing.Number, existing.Index))
            : await statusLists.AllocateAsync(facts.Issuer.Id, cancellationToken);
        var credential = documents.Credential(facts, subjectId, status);
        var json = credential.ToJsonString(Compact);
        var jws = Sign(OpenBadgesDocuments.JwtPayload(credential).ToJsonString(Compact), key);
        var now = clock.UtcNowSeconds();
        if (existing is null)
        {
            db.CredentialStatuses.Add(CredentialStatus.Create(facts.CredentialId, facts.AwardId, listId, status.Index, now));
        }
        if (replace)
        {
            var row = await db.SignedCredentials.SingleAsync(c => c.CredentialId == facts.CredentialId, cancellationToken);
            row.Replace(documents.Urls.Base, key.Id, json, jws, now);
        }
        else
        {
            db.SignedCredentials.Add(SignedCredential.Create(facts.CredentialId, facts.AwardId, documents.Urls.Base, key.Id, json, jws, now));
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another request or instance signed it first: serve theirs, so every copy is the same. The index allocated
            // here is never used (nor ever given again).
            db.ChangeTracker.Clear();
            var winner = await db.SignedCredentials.AsNoTracking().SingleAsync(c => c.CredentialId == facts.CredentialId, cancellationToken);
            return new ServedCredential(facts.CredentialId, facts.AwardId, winner.Json, winner.Jws);
        }
        if (existing is null && facts.RevokedAt is not null)
        {
            // Revoked before it was first signed: its bit is set when its list is signed again.
            await statusLists.MarkChangedAsync(facts.AwardId, cancellationToken);
            signal.Notify();
        }
        return new ServedCredential(facts.CredentialId, facts.AwardId, json, jws);
    }

    /// <summary>The student's subject id at this issuer, made on first use (instances racing to make it keep the first).</summary>
    private async Task<Guid> SubjectIdAsync(Guid studentId, Guid organizationId, CancellationToken cancellationToken)
    {
        var subjects = db.CredentialSubjects.AsNoTracking().Where(s => s.StudentId == studentId && s.OrganizationId == organizationId);
        if (await subjects.Select(s => (Guid?)s.SubjectId).FirstOrDefaultAsync(cancellationToken) is { } known)
        {
            return known;
        }
        db.CredentialSubjects.Add(CredentialSubject.Create(studentId, organizationId, clock.UtcNowSeconds()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Made by another request at the same moment: theirs is read below.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
        return await subjects.Select(s => s.SubjectId).SingleAsync(cancellationToken);
    }

    /// <summary>A compact JWS whose header is exactly alg, kid and typ, and whose payload is <paramref name="payload"/> as given.</summary>
    public static string Sign(string payload, CurrentKey key)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var credentials = new SigningCredentials(new RsaSecurityKey(key.Rsa) { KeyId = key.Kid }, SecurityAlgorithms.RsaSha256)
        {
            // The library's process-wide provider cache would outlive this key object (it is keyed by the key's
            // thumbprint); signing happens once per award, so a fresh provider costs nothing that matters.
            CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
        };
        return handler.CreateToken(payload, credentials);
    }
}

/// <summary>Signed credentials in this instance's memory, bounded; safe to keep because a stored credential never changes.</summary>
public sealed class CredentialCache : IDisposable
{
    public const int Capacity = 50_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public ServedCredential? TryGet(Guid credentialId) => _cache.TryGetValue(credentialId, out ServedCredential? served) ? served : null;

    public ServedCredential Add(ServedCredential served)
    {
        _cache.Set(served.CredentialId, served, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
        return served;
    }

    public void Dispose() => _cache.Dispose();
}
