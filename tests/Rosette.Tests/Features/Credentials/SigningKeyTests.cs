using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Badges;
using Rosette.Features.Credentials;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>Signing keys: made once however many instances ask at once, encrypted at rest, rotated by the CLI, never unpublished.</summary>
public sealed class SigningKeyTests(CredentialsFixture app) : IClassFixture<CredentialsFixture>
{
    [Fact]
    public async Task FirstKey_AskedForByTwoInstancesAtOnce_IsCreatedExactlyOnce()
    {
        // A database of its own, without a key whatever ran before: the fixture's has one once any credential was signed.
        await using var database = await TestDatabase.CreateAsync();
        await using var first = new RosetteFactory(database, settings: app.Settings);
        _ = first.Server;
        await using var second = new RosetteFactory(database, settings: app.Settings);
        _ = second.Server;
        Assert.Equal(0, await first.WithDbAsync(db => db.SigningKeys.CountAsync()));

        async Task<Guid> CurrentAsync(RosetteFactory factory)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            return (await scope.ServiceProvider.GetRequiredService<SigningKeysHandler>().GetCurrentAsync(CancellationToken.None)).Id;
        }
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => CurrentAsync(i % 2 == 0 ? first : second))));

        var keys = await first.WithDbAsync(db => db.SigningKeys.Select(k => new { k.Id, k.RetiredAt }).ToListAsync());
        var key = Assert.Single(keys);
        Assert.Equal((ids[0], (DateTime?)null), (key.Id, key.RetiredAt));
        Assert.All(ids, id => Assert.Equal(ids[0], id));
    }

    [Fact]
    public async Task PrivateKey_IsStoredEncrypted_NotAsAReadableKey()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1);
        await app.Public().GetStringAsync($"/credentials/{award.Id}.jwt");

        var stored = await app.Factory.WithDbAsync(db => db.SigningKeys.AsNoTracking().FirstAsync());

        using var rsa = RSA.Create();
        Assert.ThrowsAny<CryptographicException>(() => rsa.ImportPkcs8PrivateKey(stored.ProtectedPrivateKey, out _));
        rsa.ImportSubjectPublicKeyInfo(stored.PublicKey, out _);
        Assert.True(rsa.KeySize >= 2048);
    }

    [Fact]
    public async Task KeysRotate_NewCredentialsUseTheNewKey_OldOnesKeepVerifyingWithTheRetiredKey()
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual, BadgeImageContent.Png, Images.Png);
        var before = await app.AwardAsync(world.Manual, world.StudentA1);
        var client = app.Public();
        var oldJws = await client.GetStringAsync($"/credentials/{before.Id}.jwt");

        var code = await RosetteCommandLine.RunAsync([
            "keys", "rotate",
            $"--Rosette:Database:Provider={app.Database.Provider}",
            $"--ConnectionStrings:Rosette={app.Database.ConnectionString}",
            $"--Rosette:DataProtection:CertificatePath={RosetteFactory.CertificatePath}",
            $"--Rosette:PublicBaseUrl={CredentialsFixture.PublicBaseUrl}",
        ]);
        var after = await app.AwardAsync(world.Manual2, world.StudentA1);
        var newJws = await client.GetStringAsync($"/credentials/{after.Id}.jwt");
        var jwks = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal(0, code);
        var oldKid = IndependentVerifier.Decode(oldJws).Header.GetProperty("kid").GetString();
        var newKid = IndependentVerifier.Decode(newJws).Header.GetProperty("kid").GetString();
        Assert.NotEqual(oldKid, newKid);
        var oldKey = jwks.Single(k => k.GetProperty("kid").GetString() == oldKid);
        var newKey = jwks.Single(k => k.GetProperty("kid").GetString() == newKid);
        Assert.True(IndependentVerifier.VerifiesWith(oldJws, oldKey));
        Assert.True(IndependentVerifier.VerifiesWith(newJws, newKey));
        Assert.False(IndependentVerifier.VerifiesWith(newJws, oldKey));
        Assert.Equal(oldJws, await client.GetStringAsync($"/credentials/{before.Id}.jwt"));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.SigningKeys.CountAsync(k => k.RetiredAt == null)));
    }
}
