using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Credentials;

namespace Rosette.Features.Credentials;

/// <summary>A public key as a JSON Web Key (RFC 7517), its <c>kid</c> the URL where it is published.</summary>
public sealed record PublicJwk(string Kty, string Use, string Alg, string Kid, string N, string E);

/// <summary>The current signing key, ready to sign.</summary>
public sealed record CurrentKey(Guid Id, string Kid, RSA Rsa);

/// <summary>
/// The signing keys: RSA 3072 (RS256), the private key encrypted with Data Protection (whose key ring is in the database,
/// encrypted by a certificate kept outside it), created on first use and rotated by <c>keys rotate</c>. Instances
/// starting together may both try to create the first key: the unique index on the current key lets one win, and the
/// other uses the winner's.
/// </summary>
public sealed class SigningKeysHandler(RosetteDb db, TimeProvider clock, IDataProtectionProvider dataProtection, CredentialUrls urls, DecryptedKeys decrypted)
{
    public const int KeySizeBits = 3072;
    private const string Purpose = "Rosette.Credentials.SigningKeys.v1";

    private IDataProtector Protector => dataProtection.CreateProtector(Purpose);

    /// <summary>The current key, created when there is none.</summary>
    public async Task<CurrentKey> GetCurrentAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var id = await db.SigningKeys.Where(k => k.RetiredAt == null && k.Algorithm == SigningKey.Rs256)
                .Select(k => (Guid?)k.Id).FirstOrDefaultAsync(cancellationToken);
            if (id is { } currentId)
            {
                return new CurrentKey(currentId, urls.Key(currentId), await PrivateKeyAsync(currentId, cancellationToken));
            }
            if (await TryCreateAsync(retireCurrent: false, cancellationToken) is { } created)
            {
                return new CurrentKey(created.Id, urls.Key(created.Id), await PrivateKeyAsync(created.Id, cancellationToken));
            }
            if (attempt >= 3)
            {
                throw new InvalidOperationException("Could not create or find the current signing key.");
            }
        }
    }

    /// <summary>Retires the current key (it stays published) and makes a new one current.</summary>
    public async Task<SigningKey> RotateAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await TryCreateAsync(retireCurrent: true, cancellationToken) is { } created)
            {
                return created;
            }
            if (attempt >= 3)
            {
                throw new InvalidOperationException("Another rotation kept winning; try again.");
            }
        }
    }

    /// <summary>Every key, current and retired, newest first: credentials signed by a retired key still verify.</summary>
    public async Task<IReadOnlyList<PublicJwk>> PublishedAsync(CancellationToken cancellationToken)
    {
        var keys = await db.SigningKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .Select(k => new { k.Id, k.PublicKey }).ToListAsync(cancellationToken);
        return keys.Select(k => ToJwk(k.Id, k.PublicKey)).ToList();
    }

    public async Task<PublicJwk?> FindAsync(Guid keyId, CancellationToken cancellationToken)
    {
        var publicKey = await db.SigningKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => k.PublicKey).FirstOrDefaultAsync(cancellationToken);
        return publicKey is null ? null : ToJwk(keyId, publicKey);
    }

    private PublicJwk ToJwk(Guid id, byte[] publicKey)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(publicKey, out _);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        return new PublicJwk("RSA", "sig", SigningKey.Rs256, urls.Key(id), Base64Url.EncodeToString(parameters.Modulus), Base64Url.EncodeToString(parameters.Exponent));
    }

    private async Task<SigningKey?> TryCreateAsync(bool retireCurrent, CancellationToken cancellationToken)
    {
        using var rsa = RSA.Create(KeySizeBits);
        var privateKey = rsa.ExportPkcs8PrivateKey();
        var key = SigningKey.Create(rsa.ExportSubjectPublicKeyInfo(), Protector.Protect(privateKey), clock.UtcNowSeconds());
        CryptographicOperations.ZeroMemory(privateKey);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            if (retireCurrent)
            {
                var now = clock.UtcNowSeconds();
                await db.SigningKeys.Where(k => k.RetiredAt == null && k.Algorithm == SigningKey.Rs256)
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.RetiredAt, now), cancellationToken);
            }
            db.SigningKeys.Add(key);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return key;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another instance made a key current at the same moment.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return null;
        }
    }

    private async Task<RSA> PrivateKeyAsync(Guid keyId, CancellationToken cancellationToken)
    {
        if (decrypted.TryGet(keyId) is { } cached)
        {
            return cached;
        }
        var protectedKey = await db.SigningKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => k.ProtectedPrivateKey).SingleAsync(cancellationToken);
        var pkcs8 = Protector.Unprotect(protectedKey);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
        if (rsa.KeySize < SigningKey.MinimumRsaBits)
        {
            throw new InvalidOperationException($"Signing key {keyId} has {rsa.KeySize} bits; at least {SigningKey.MinimumRsaBits} are required.");
        }
        return decrypted.Add(keyId, rsa);
    }
}

/// <summary>Private keys already decrypted by this instance, so that signing does not decrypt each time.</summary>
public sealed class DecryptedKeys : IDisposable
{
    private readonly ConcurrentDictionary<Guid, RSA> _keys = new();

    public RSA? TryGet(Guid keyId) => _keys.TryGetValue(keyId, out var rsa) ? rsa : null;

    public RSA Add(Guid keyId, RSA rsa)
    {
        var kept = _keys.GetOrAdd(keyId, rsa);
        if (!ReferenceEquals(kept, rsa))
        {
            rsa.Dispose();
        }
        return kept;
    }

    public void Dispose()
    {
        foreach (var rsa in _keys.Values)
        {
            rsa.Dispose();
        }
        _keys.Clear();
    }
}
