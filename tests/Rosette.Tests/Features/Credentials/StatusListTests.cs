using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;
using Rosette.Features.Credentials;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>
/// The W3C Bitstring Status List (W3C Recommendation, 15 May 2025) read as an independent verifier reads it: the list
/// fetched at the credential's statusListCredential, its VC-JWT verified with the published key, its encodedList expanded
/// by hand (multibase, gunzip) and the bit at statusListIndex read left-most first. Section numbers are the W3C text's.
/// </summary>
[Collection(SharedCredentialsHost.Name)]
public sealed class StatusListTests(CredentialsFixture app)
{
    private sealed record FetchedList(string Jws, JsonElement Header, JsonElement Payload, byte[] Bits, HttpResponseMessage Response);

    private static async Task<JsonObject> EntryAsync(HttpClient client, Award award) =>
        JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!["credentialStatus"]!.AsObject();

    private static async Task<FetchedList> FetchAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jws = await response.Content.ReadAsStringAsync();
        var (header, payload) = IndependentVerifier.Decode(jws);
        var jwks = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys");
        var key = jwks.EnumerateArray().Single(k => k.GetProperty("kid").GetString() == header.GetProperty("kid").GetString());
        // §3.2 step 4: "ensure that all proofs verify" (here the VC-JWT, secured like the credentials themselves: §3.6).
        Assert.True(IndependentVerifier.VerifiesWith(jws, key));
        var bits = IndependentVerifier.ExpandBitstring(payload.GetProperty("credentialSubject").GetProperty("encodedList").GetString()!);
        return new FetchedList(jws, header, payload, bits, response);
    }

    private static int Index(JsonObject entry) => int.Parse(entry["statusListIndex"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task StatusList_BeforeAndAfterARevocation_DecodedIndependently_SetsOnlyThatCredentialsBit()
    {
        var world = await app.NewWorldAsync();
        var revoked = await app.AwardAsync(world.Manual, world.StudentA1);
        var kept = await app.AwardAsync(world.Manual, world.StudentA2);
        var client = app.Public();
        var entry = await EntryAsync(client, revoked);
        var keptEntry = await EntryAsync(client, kept);
        var url = entry["statusListCredential"]!.GetValue<string>();

        var before = await FetchAsync(client, url);
        await app.RevokeThroughApiAsync(revoked, world.AdminRoot, "Exam misconduct");
        FetchedList? after = null;
        await Eventually.TrueAsync(async () => IndependentVerifier.BitAt((after = await FetchAsync(client, url)).Bits, Index(entry)), "the list to be signed again with the revocation");

        // §2.1: one entry of type BitstringStatusListEntry, purpose revocation, index a base-10 string, an id that is not the list's URL.
        Assert.Equal(("BitstringStatusListEntry", "revocation"), (entry["type"]!.GetValue<string>(), entry["statusPurpose"]!.GetValue<string>()));
        Assert.Equal(url, keptEntry["statusListCredential"]!.GetValue<string>());
        Assert.NotEqual(url, entry["id"]!.GetValue<string>());
        Assert.NotEqual(Index(entry), Index(keptEntry));
        // §2.2: at least 16 KB uncompressed, i.e. 131,072 entries (§3.2 step 2 and step 9).
        Assert.True(before.Bits.Length * 8 >= 131_072);
        Assert.Equal(before.Bits.Length, after!.Bits.Length);
        Assert.All(before.Bits, b => Assert.Equal(0, b));
        Assert.False(IndependentVerifier.BitAt(after.Bits, Index(keptEntry)));
        Assert.Equal(1, after.Bits.Sum(b => System.Numerics.BitOperations.PopCount(b)));
        // §2.2: type, subject type and purpose; the list id is the URL the entry names; the JWT's exp is its validUntil.
        var credential = after.Payload;
        Assert.Equal(["VerifiableCredential", "BitstringStatusListCredential"], credential.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("https://www.w3.org/ns/credentials/v2", credential.GetProperty("@context")[0].GetString());
        Assert.Equal(url, credential.GetProperty("id").GetString());
        var subject = credential.GetProperty("credentialSubject");
        Assert.Equal(("BitstringStatusList", "revocation"), (subject.GetProperty("type").GetString(), subject.GetProperty("statusPurpose").GetString()));
        var validFrom = DateTimeOffset.Parse(credential.GetProperty("validFrom").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var validUntil = DateTimeOffset.Parse(credential.GetProperty("validUntil").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(validUntil > validFrom);
        Assert.Equal(validUntil.ToUnixTimeSeconds(), credential.GetProperty("exp").GetInt64());
        Assert.Equal(validFrom.ToUnixTimeSeconds(), credential.GetProperty("nbf").GetInt64());
        Assert.Equal((url, subject.GetProperty("id").GetString()), (credential.GetProperty("jti").GetString(), credential.GetProperty("sub").GetString()));
        // The copy signed before the revocation is now stale; its own validUntil ends its use (§7.2).
        var staleUntil = DateTimeOffset.Parse(before.Payload.GetProperty("validUntil").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(staleUntil <= validFrom.AddDays(1), "a stale copy stops counting within a day");
        Assert.NotEqual(before.Jws, after.Jws);
        // §2.2 ttl: "SHOULD align ... the HTTP Cache-Control header" with it.
        var maxAge = after.Response.Headers.CacheControl!.MaxAge!.Value;
        Assert.True(after.Response.Headers.CacheControl.Public);
        Assert.Equal((long)maxAge.TotalMilliseconds, subject.GetProperty("ttl").GetInt64());
        Assert.InRange(maxAge, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.Equal("application/vc+jwt", after.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(("RS256", "JWT"), (after.Header.GetProperty("alg").GetString(), after.Header.GetProperty("typ").GetString()));
    }

    [Theory]
    [InlineData(null, "application/vc+jwt")]
    [InlineData("*/*", "application/vc+jwt")]
    [InlineData("text/plain", "text/plain")]
    [InlineData("application/vc+jwt;q=0, text/plain", "text/plain")]
    [InlineData("*/*;q=0.1, text/plain", "text/plain")]
    [InlineData("application/jwt;q=0.5, text/*", "text/plain")]
    [InlineData("text/plain;q=0.5, application/vc+jwt", "application/vc+jwt")]
    [InlineData("text/plain, application/vc+jwt", "application/vc+jwt")]
    [InlineData("text/*;q=0.9, application/*;q=0.9", "application/vc+jwt")]
    [InlineData("text/plain;q=0, */*", "application/vc+jwt")]
    public async Task StatusList_AcceptWithQualityValues_ServesTheMostPreferredType(string? accept, string expected)
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1);
        var client = app.Public();
        var url = (await EntryAsync(client, award))["statusListCredential"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(3, (await response.Content.ReadAsStringAsync()).Split('.').Length);
    }

    [Fact]
    public async Task StatusList_TwoInstances_AllocateEachIndexOnce_AndBothServeTheRevocation()
    {
        var world = await app.NewWorldAsync();
        var awards = new List<Award>();
        foreach (var student in world.ClassStudents)
        {
            awards.Add(await app.AwardAsync(world.Manual, student));
            awards.Add(await app.AwardAsync(world.Manual2, student));
        }
        await using var second = app.SecondInstance();
        var clients = new[] { app.Public(), app.Public(second) };
        // The signing key exists before the burst (racing first signers would each make an RSA key, only to discard it).
        await EntryAsync(clients[0], await app.AwardAsync(world.BadgeB, world.StudentB1));

        // Every credential signed at once, half of them by each instance.
        var entries = await Task.WhenAll(awards.Select((a, i) => EntryAsync(clients[i % 2], a)));
        var revoked = awards[3];
        await app.RevokeThroughApiAsync(revoked, world.AdminRoot, "Duplicate", second);
        var url = entries[3]["statusListCredential"]!.GetValue<string>();
        var served = new string[2];
        await Eventually.TrueAsync(async () =>
        {
            var lists = await Task.WhenAll(clients.Select(c => FetchAsync(c, url)));
            served = lists.Select(l => l.Jws).ToArray();
            return lists.All(l => IndependentVerifier.BitAt(l.Bits, Index(entries[3])));
        }, "both instances to serve the list with the revocation");

        Assert.Equal(awards.Count, entries.Select(Index).Distinct().Count());
        Assert.All(entries, e => Assert.Equal(url, e["statusListCredential"]!.GetValue<string>()));
        var stored = await app.Factory.WithDbAsync(db => db.CredentialStatuses.AsNoTracking()
            .Where(s => awards.Select(a => a.Id).Contains(s.AwardId)).Select(s => s.Index).ToListAsync());
        Assert.Equal(entries.Select(Index).Order(), stored.Order());
        Assert.Equal(served[0], served[1]);
    }

    [Fact]
    public async Task StatusList_WhenFull_TheIssuersNextListTakesOver()
    {
        var world = await app.NewWorldAsync();
        var first = await app.AwardAsync(world.BadgeB, world.StudentB1);
        var next = await app.AwardAsync(world.BadgeB, world.StudentA1);
        var client = app.Public();
        var firstEntry = await EntryAsync(client, first);
        // Every index of list 1 is taken (as after 131,072 credentials).
        await app.Factory.WithDbAsync(db => db.StatusLists.Where(l => l.OrganizationId == world.B.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Allocated, StatusList.Length)));

        var nextEntry = await EntryAsync(client, next);

        Assert.EndsWith($"/ob3/issuers/{world.B.Id}/status/1", firstEntry["statusListCredential"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith($"/ob3/issuers/{world.B.Id}/status/2", nextEntry["statusListCredential"]!.GetValue<string>(), StringComparison.Ordinal);
        var list = await FetchAsync(client, nextEntry["statusListCredential"]!.GetValue<string>());
        Assert.Equal(nextEntry["statusListCredential"]!.GetValue<string>(), list.Payload.GetProperty("id").GetString());
        Assert.False(IndependentVerifier.BitAt(list.Bits, Index(nextEntry)));
    }

    [Fact]
    public async Task CredentialRevokedBeforeItWasFirstSigned_HasItsBitSet()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.BadgeB, world.StudentB1);
        await app.RevokeThroughApiAsync(award, world.AdminRoot, "Withdrawn");
        var client = app.Public();

        var entry = await EntryAsync(client, award);

        await Eventually.TrueAsync(async () => IndependentVerifier.BitAt((await FetchAsync(client, entry["statusListCredential"]!.GetValue<string>())).Bits, Index(entry)),
            "the list to show the credential signed after its revocation");
    }

    [Fact]
    public async Task CredentialSignedBeforeTheStatusList_KeepsIts1EdTechStatus_AndThatListNamesItWhenRevoked_AndNoOtherRevokedAward()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1x);
        var client = app.Public();
        var listUrl = $"{CredentialsFixture.PublicBaseUrl}/ob3/issuers/{world.Root.Id}/revocations";
        // A credential as it was signed before this version (stored, never signed again): its status names the issuer's
        // 1EdTech revocation list.
        await app.Factory.WithDbAsync(async db =>
        {
            await using var scope = app.Factory.Services.CreateAsyncScope();
            var key = await scope.ServiceProvider.GetRequiredService<SigningKeysHandler>().GetCurrentAsync(CancellationToken.None);
            var facts = await db.FindAsync(award.Id, CancellationToken.None);
            var old = scope.ServiceProvider.GetRequiredService<OpenBadgesDocuments>().Credential(facts!, Guid.NewGuid(), new StatusEntry(1, 0));
            old["credentialStatus"] = new JsonObject { ["id"] = listUrl, ["type"] = "1EdTechRevocationList" };
            var jws = CredentialsHandler.Sign(OpenBadgesDocuments.JwtPayload(old).ToJsonString(), key);
            db.SignedCredentials.Add(SignedCredential.Create(award.Id, award.Id, CredentialsFixture.PublicBaseUrl, key.Id, old.ToJsonString(), jws, DateTime.UtcNow));
            await db.SaveChangesAsync();
        });

        await app.RevokeThroughApiAsync(award, world.AdminRoot, "Left the programme");
        // Revoked too, but not listed: one never published, one published with a status list entry.
        var unpublished = await app.AwardAsync(world.Manual, world.StudentA1);
        var current = await app.AwardAsync(world.Manual2, world.StudentA1);
        await client.GetStringAsync($"/credentials/{current.Id}.json");
        await app.RevokeThroughApiAsync(unpublished, world.AdminRoot, "Private reason");
        await app.RevokeThroughApiAsync(current, world.AdminRoot, "Private reason");
        var served = JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!;
        var request = new HttpRequestMessage(HttpMethod.Get, listUrl);
        request.Headers.Accept.ParseAdd("application/json");
        var response = await client.SendAsync(request);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(("1EdTechRevocationList", listUrl), (served["credentialStatus"]!["type"]!.GetValue<string>(), served["credentialStatus"]!["id"]!.GetValue<string>()));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var entry = Assert.Single(list["revokedCredential"]!.AsArray())!;
        Assert.Equal(($"urn:uuid:{award.Id}", true, "Left the programme"),
            (entry["id"]!.GetValue<string>(), entry["revoked"]!.GetValue<bool>(), entry["revocationReason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task SubjectId_IsStablePerStudentAndIssuer_AndNotShared_AcrossIssuers()
    {
        var world = await app.NewWorldAsync();
        var first = await app.AwardAsync(world.Manual, world.StudentB1);
        var second = await app.AwardAsync(world.Manual2, world.StudentB1);
        var otherIssuer = await app.AwardAsync(world.BadgeB, world.StudentB1);
        var otherStudent = await app.AwardAsync(world.Manual, world.StudentA2);
        var client = app.Public();

        async Task<string> SubAsync(Award award) => IndependentVerifier.Decode(await client.GetStringAsync($"/credentials/{award.Id}.jwt")).Payload.GetProperty("sub").GetString()!;
        var subs = await Task.WhenAll(new[] { first, second, otherIssuer, otherStudent }.Select(SubAsync));

        Assert.Equal(subs[0], subs[1]);
        Assert.Equal(4 - 1, subs.Distinct().Count());
        Assert.All(subs, s => Assert.DoesNotContain(world.StudentB1.Id.ToString(), s, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task StatusList_UnknownOrMalformedNumber_Answers404()
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1);
        var client = app.Public();
        await client.GetStringAsync($"/credentials/{award.Id}.jwt");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/ob3/issuers/{world.Root.Id}/status/1")).StatusCode);
        foreach (var number in new[] { "0", "2", "-1", "one", "99999999999" })
        {
            await (await client.GetAsync($"/ob3/issuers/{world.Root.Id}/status/{number}")).IsProblemAsync(HttpStatusCode.NotFound, "status_list_not_found");
        }
    }
}
