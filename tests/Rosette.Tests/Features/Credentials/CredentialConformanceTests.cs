using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using MetadataExtractor.Formats.Png;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Domain.Credentials;
using Rosette.Domain.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>Every award is a verifiable Open Badges credential, checked against the official schema and an independent verifier.</summary>
[Collection(SharedCredentialsHost.Name)]
public sealed class CredentialConformanceTests(CredentialsFixture app)
{
    private static readonly string[] AllowedHeader = ["alg", "kid", "typ"];

    private async Task<(World World, Award Award)> AwardWithPngAsync(DateTime? expiresAt = null, string? narrative = null)
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual, BadgeImageContent.Png, Images.Png);
        return (world, await app.AwardAsync(world.Manual, world.StudentA1, expiresAt: expiresAt, narrative: narrative));
    }

    private static async Task<JsonElement> JwkAsync(HttpClient client, string kid)
    {
        var jwks = JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks.json")).RootElement;
        return jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
    }

    [Fact]
    public async Task Credential_WithExpiryAndNarrative_ValidatesAgainstOfficialSchema_AsJsonAndAsJwtPayload()
    {
        var (_, award) = await AwardWithPngAsync(expiresAt: TimeProvider.System.UtcNowSeconds().AddDays(365), narrative: "Led the robotics lab.");
        var client = app.Public();

        var json = await client.GetStringAsync($"/credentials/{award.Id}.json");
        var (_, payload) = IndependentVerifier.Decode(await client.GetStringAsync($"/credentials/{award.Id}.jwt"));

        Assert.Empty(OpenBadgesStandard.SchemaErrors(json));
        Assert.Empty(OpenBadgesStandard.SchemaErrors(payload.GetRawText()));
        // The validator does catch a broken credential: without an issuer the same document fails.
        var broken = JsonNode.Parse(json)!.AsObject();
        broken.Remove("issuer");
        Assert.NotEmpty(OpenBadgesStandard.SchemaErrors(broken.ToJsonString()));
    }

    [Fact]
    public async Task Credential_BadgeWithoutCriteriaOrImage_StillValidates_WithCriteriaNarrative()
    {
        var world = await app.NewWorldAsync();
        var bare = Badge.Create($"Bare {Guid.NewGuid():N}", "Shows up on time.", null, world.Root, true, null, [], DateTime.UtcNow).Value;
        await app.Factory.WithDbAsync(async db =>
        {
            db.Badges.Add(bare);
            await db.SaveChangesAsync();
        });
        var award = await app.AwardAsync(bare, world.StudentA2);

        var json = await app.Public().GetStringAsync($"/credentials/{award.Id}.json");

        Assert.Empty(OpenBadgesStandard.SchemaErrors(json));
        var achievement = JsonNode.Parse(json)!["credentialSubject"]!["achievement"]!;
        Assert.Equal("Shows up on time.", achievement["criteria"]!["narrative"]!.GetValue<string>());
        Assert.Null(achievement["image"]);
    }

    [Fact]
    public async Task Credential_FollowsTheIssue_IdsSubjectHashAndStatus()
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        var credential = JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!;

        Assert.Equal($"urn:uuid:{award.Id}", credential["id"]!.GetValue<string>());
        Assert.Equal(["VerifiableCredential", "OpenBadgeCredential"], credential["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("https://www.w3.org/ns/credentials/v2", credential["@context"]![0]!.GetValue<string>());
        Assert.Equal("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", credential["@context"]![1]!.GetValue<string>());
        Assert.Equal(award.IssuedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), credential["validFrom"]!.GetValue<string>());
        Assert.Null(credential["validUntil"]);
        var identifier = credential["credentialSubject"]!["identifier"]![0]!;
        var expectedHash = "sha256$" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(world.StudentA1.Email.ToLowerInvariant() + award.RecipientSalt)));
        Assert.Equal((expectedHash, "emailAddress", true, award.RecipientSalt),
            (identifier["identityHash"]!.GetValue<string>(), identifier["identityType"]!.GetValue<string>(), identifier["hashed"]!.GetValue<bool>(), identifier["salt"]!.GetValue<string>()));
        Assert.Equal("BitstringStatusListEntry", credential["credentialStatus"]!["type"]!.GetValue<string>());
        var subjectId = credential["credentialSubject"]!["id"]!.GetValue<string>();
        Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", subjectId);
        Assert.DoesNotContain(world.StudentA1.Id.ToString(), subjectId, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", credential["credentialSchema"]![0]!["id"]!.GetValue<string>());

        // Every id is a public URL that resolves to its document.
        var issuer = JsonNode.Parse(await client.GetStringAsync(credential["issuer"]!["id"]!.GetValue<string>()))!;
        var achievement = JsonNode.Parse(await client.GetStringAsync(credential["credentialSubject"]!["achievement"]!["id"]!.GetValue<string>()))!;
        var list = await client.GetAsync(credential["credentialStatus"]!["statusListCredential"]!.GetValue<string>());
        var image = await client.GetAsync(credential["credentialSubject"]!["achievement"]!["image"]!["id"]!.GetValue<string>());
        Assert.Equal((world.Root.Name, credential["issuer"]!["id"]!.GetValue<string>()), (issuer["name"]!.GetValue<string>(), issuer["id"]!.GetValue<string>()));
        Assert.Equal(world.Manual.Name, achievement["name"]!.GetValue<string>());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (list.StatusCode, image.StatusCode));
        Assert.StartsWith(CredentialsFixture.PublicBaseUrl + "/", credential["issuer"]!["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credential_Contexts_ResolveOffline_AndDefineEveryTypeAndProperty()
    {
        var (_, award) = await AwardWithPngAsync(expiresAt: DateTime.UtcNow.AddDays(3), narrative: "n");
        var credential = JsonNode.Parse(await app.Public().GetStringAsync($"/credentials/{award.Id}.json"))!.AsObject();

        var terms = OpenBadgesStandard.TermsOf(credential["@context"]!.AsArray().Select(c => c!.GetValue<string>()));

        var undefined = new List<string>();
        void Walk(JsonNode? node)
        {
            if (node is JsonObject obj)
            {
                foreach (var (key, value) in obj)
                {
                    if (!key.StartsWith('@') && !terms.Contains(key))
                    {
                        undefined.Add(key);
                    }
                    if (key == "type")
                    {
                        var types = value is JsonArray array ? array.Select(t => t!.GetValue<string>()) : [value!.GetValue<string>()];
                        undefined.AddRange(types.Where(t => !terms.Contains(t)));
                    }
                    else if (key != "@context")
                    {
                        Walk(value);
                    }
                }
            }
            else if (node is JsonArray items)
            {
                foreach (var item in items)
                {
                    Walk(item);
                }
            }
        }
        Walk(credential);
        Assert.Empty(undefined);
    }

    [Fact]
    public async Task Jwt_VerifiesWithTheKeyFromJwks_HeaderAndClaimsAreThoseOfVcJwt()
    {
        var (_, award) = await AwardWithPngAsync(expiresAt: TimeProvider.System.UtcNowSeconds().AddDays(30));
        var client = app.Public();

        var response = await client.GetAsync($"/credentials/{award.Id}.jwt");
        var jws = await response.Content.ReadAsStringAsync();
        var (header, payload) = IndependentVerifier.Decode(jws);
        var kid = header.GetProperty("kid").GetString()!;
        var jwk = await JwkAsync(client, kid);
        var atKid = JsonDocument.Parse(await client.GetStringAsync(kid)).RootElement;
        var json = JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!;

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.True(IndependentVerifier.VerifiesWith(jws, jwk));
        Assert.True(IndependentVerifier.VerifiesWith(jws, atKid));
        Assert.Equal(AllowedHeader, header.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("RS256", "JWT"), (header.GetProperty("alg").GetString(), header.GetProperty("typ").GetString()));
        Assert.StartsWith("https://", kid, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(Pad(jwk.GetProperty("n").GetString()!)).Length * 8 >= 2048);
        var validFrom = DateTimeOffset.Parse(payload.GetProperty("validFrom").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var validUntil = DateTimeOffset.Parse(payload.GetProperty("validUntil").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(validFrom.ToUnixTimeSeconds(), payload.GetProperty("nbf").GetInt64());
        Assert.Equal(validUntil.ToUnixTimeSeconds(), payload.GetProperty("exp").GetInt64());
        Assert.Equal(payload.GetProperty("id").GetString(), payload.GetProperty("jti").GetString());
        Assert.Equal(payload.GetProperty("issuer").GetProperty("id").GetString(), payload.GetProperty("iss").GetString());
        Assert.Equal(payload.GetProperty("credentialSubject").GetProperty("id").GetString(), payload.GetProperty("sub").GetString());
        Assert.False(payload.TryGetProperty("iat", out _));
        // The payload is the served credential plus the JWT claims, nothing else.
        var claims = JsonNode.Parse(payload.GetRawText())!.AsObject();
        foreach (var claim in new[] { "iss", "sub", "nbf", "jti", "exp" })
        {
            claims.Remove(claim);
        }
        Assert.True(JsonNode.DeepEquals(json, claims));
    }

    [Fact]
    public async Task Jwt_TamperedPayloadOrAnotherKey_FailsVerification()
    {
        var (_, award) = await AwardWithPngAsync();
        var client = app.Public();
        var jws = await client.GetStringAsync($"/credentials/{award.Id}.jwt");
        var (header, payload) = IndependentVerifier.Decode(jws);
        var jwk = await JwkAsync(client, header.GetProperty("kid").GetString()!);
        var parts = jws.Split('.');

        var changed = JsonNode.Parse(payload.GetRawText())!;
        changed["name"] = "Something else";
        var tampered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(changed.ToJsonString()))}.{parts[2]}";
        using var stranger = RSA.Create(2048);
        var signedByStranger = IndependentVerifier.SignWith(stranger, $"{parts[0]}.{parts[1]}");
        var strangerJwk = JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            kty = "RSA",
            n = System.Buffers.Text.Base64Url.EncodeToString(stranger.ExportParameters(false).Modulus),
            e = System.Buffers.Text.Base64Url.EncodeToString(stranger.ExportParameters(false).Exponent),
        })).RootElement;

        Assert.True(IndependentVerifier.VerifiesWith(jws, jwk));
        Assert.False(IndependentVerifier.VerifiesWith(tampered, jwk));
        Assert.False(IndependentVerifier.VerifiesWith(signedByStranger, jwk));
        Assert.False(IndependentVerifier.VerifiesWith(jws, strangerJwk));
    }

    [Fact]
    public async Task Jwt_IsSignedOnce_EveryInstanceServesTheSameBytes()
    {
        var (_, award) = await AwardWithPngAsync();
        await using var second = app.SecondInstance();

        var fromSecond = await app.Public(second).GetStringAsync($"/credentials/{award.Id}.jwt");
        var fromFirst = await app.Public().GetStringAsync($"/credentials/{award.Id}.jwt");
        var again = await app.Public().GetStringAsync($"/credentials/{award.Id}.jwt");

        Assert.Equal(fromSecond, fromFirst);
        Assert.Equal(fromFirst, again);
        var stored = await app.Factory.WithDbAsync(db => Task.FromResult(db.SignedCredentials.Where(c => c.AwardId == award.Id).Select(c => c.Jws).ToList()));
        Assert.Equal([fromFirst], stored);
    }

    [Fact]
    public async Task BakedPng_ReadByAnIndependentParser_HoldsExactlyTheServedJws()
    {
        var (_, award) = await AwardWithPngAsync();
        var client = app.Public();
        var jws = await client.GetStringAsync($"/credentials/{award.Id}.jwt");

        var response = await client.GetAsync($"/credentials/{award.Id}.png");
        var png = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var chunks = IndependentVerifier.PngChunksWithValidCrc(png);
        Assert.Equal(["IHDR", "iTXt"], chunks.Take(2));
        Assert.Equal("IEND", chunks[^1]);
        var texts = PngTexts(png);
        Assert.Equal([("openbadgecredential", jws)], texts);
        // Baking the baked image again replaces the credential rather than adding a second one.
        Assert.Single(chunks, c => c == "iTXt");
    }

    [Fact]
    public async Task Ob2BakedPng_HoldsTheHostedAssertion_UnderTheOpenbadgesKeyword()
    {
        var (_, award) = await AwardWithPngAsync();
        var client = app.Public();

        var assertion = await client.GetStringAsync($"/ob2/assertions/{award.Id}");
        var png = await client.GetByteArrayAsync($"/ob2/assertions/{award.Id}.png");

        IndependentVerifier.PngChunksWithValidCrc(png);
        var (keyword, text) = Assert.Single(PngTexts(png));
        Assert.Equal("openbadges", keyword);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(assertion), JsonNode.Parse(text)));
    }

    [Fact]
    public async Task BakedPng_ImageAlreadyHoldsOpenBadgesTextChunks_KeepsOnlyTheRealCredential()
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual, BadgeImageContent.Png, BakedImages.PngWithOpenBadgesTexts());
        var award = await app.AwardAsync(world.Manual, world.StudentA1);
        var client = app.Public();

        foreach (var (path, keyword) in new[] { ($"/credentials/{award.Id}.png", "openbadgecredential"), ($"/ob2/assertions/{award.Id}.png", "openbadges") })
        {
            var png = await client.GetByteArrayAsync(path);

            IndependentVerifier.PngChunksWithValidCrc(png);
            Assert.Equal([("IHDR", ""), ("iTXt", keyword), ("tEXt", "Comment"), ("IDAT", ""), ("IEND", "")], BakedImages.ChunksWithKeywords(png));
        }
    }

    [Fact]
    public async Task BakedSvg_ReadByAnXmlParser_HoldsExactlyTheServedJws_AndPngIsNotOffered()
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual2, BadgeImageContent.Svg, Encoding.UTF8.GetBytes(Images.Svg));
        var award = await app.AwardAsync(world.Manual2, world.StudentA2);
        var client = app.Public();
        var jws = await client.GetStringAsync($"/credentials/{award.Id}.jwt");

        var response = await client.GetAsync($"/credentials/{award.Id}.svg");
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = await client.GetAsync($"/credentials/{award.Id}.png");

        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        XNamespace openbadges = "https://purl.imsglobal.org/ob/v3p0";
        var credential = Assert.Single(svg.Root!.Elements(openbadges + "credential"));
        Assert.Same(credential, svg.Root.Elements().First());
        Assert.Equal(jws, credential.Attribute("verify")?.Value);
        Assert.Equal("http://www.w3.org/2000/svg", svg.Root.Name.NamespaceName);
        Assert.Single(svg.Root.Elements(XNamespace.Get("http://www.w3.org/2000/svg") + "circle"));
        await png.IsProblemAsync(HttpStatusCode.NotFound, "image_not_found");
    }

    [Fact]
    public async Task BakedSvg_ImageAlreadyHoldsOb3CredentialAndOb2Assertion_HoldsExactlyOneCredential_Ours()
    {
        // Stored as uploaded before uploads were cleaned: the baker itself drops what the image carries.
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual2, BadgeImageContent.Svg, Encoding.UTF8.GetBytes(BakedImages.SvgWithOpenBadgesElements));
        var award = await app.AwardAsync(world.Manual2, world.StudentA2);
        var client = app.Public();
        var jws = await client.GetStringAsync($"/credentials/{award.Id}.jwt");

        var baked = await client.GetStringAsync($"/credentials/{award.Id}.svg");

        // OB 3.0 "Baking" (SVG): one <openbadges:credential verify="JWS">; nothing left of OB 2.0's <openbadges:assertion>
        // (namespace http://openbadges.org, "Baking Specification" of OB 2.0).
        var svg = XDocument.Parse(baked);
        XNamespace openbadges = "https://purl.imsglobal.org/ob/v3p0";
        var credential = Assert.Single(svg.Descendants(), e => e.Name.NamespaceName is "https://purl.imsglobal.org/ob/v3p0" or "http://openbadges.org");
        Assert.Equal(openbadges + "credential", credential.Name);
        Assert.Equal(jws, credential.Attribute("verify")?.Value);
        Assert.DoesNotContain("forged", baked, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://openbadges.org", baked, StringComparison.Ordinal);
        Assert.Single(svg.Root!.Elements(XNamespace.Get("http://www.w3.org/2000/svg") + "circle"));
    }

    [Fact]
    public void RecipientHash_MatchesThePublishedTestVector()
    {
        Assert.Equal("sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399", RecipientIdentity.Hash("a@example.com", "Kosher"));
    }

    [Fact]
    public async Task Ob2_AssertionBadgeClassAndIssuer_AreHostedAndLinked()
    {
        var (world, award) = await AwardWithPngAsync(narrative: "Great work.");
        var client = app.Public();

        var assertion = JsonNode.Parse(await client.GetStringAsync($"/ob2/assertions/{award.Id}"))!;
        var badgeClass = JsonNode.Parse(await client.GetStringAsync(assertion["badge"]!.GetValue<string>()))!;
        var issuer = JsonNode.Parse(await client.GetStringAsync(badgeClass["issuer"]!.GetValue<string>()))!;

        Assert.Equal(("https://w3id.org/openbadges/v2", "Assertion", $"{CredentialsFixture.PublicBaseUrl}/ob2/assertions/{award.Id}"),
            (assertion["@context"]!.GetValue<string>(), assertion["type"]!.GetValue<string>(), assertion["id"]!.GetValue<string>()));
        Assert.Equal("hosted", assertion["verification"]!["type"]!.GetValue<string>());
        var recipient = assertion["recipient"]!;
        Assert.Equal(("email", true, RecipientIdentity.Hash(world.StudentA1.Email, award.RecipientSalt)),
            (recipient["type"]!.GetValue<string>(), recipient["hashed"]!.GetValue<bool>(), recipient["identity"]!.GetValue<string>()));
        Assert.Null(assertion["revoked"]);
        Assert.Equal(("BadgeClass", world.Manual.Name), (badgeClass["type"]!.GetValue<string>(), badgeClass["name"]!.GetValue<string>()));
        Assert.Equal(("Issuer", world.Root.Name), (issuer["type"]!.GetValue<string>(), issuer["name"]!.GetValue<string>()));
        Assert.NotNull(issuer["url"]);
        Assert.NotNull(issuer["email"]);
    }

    [Fact]
    public async Task Revocation_ShowsAsOb2Gone_WhileTheCredentialStillResolves_AndThe1EdTechListNamesOnlyCredentialsSignedForIt()
    {
        var (world, award) = await AwardWithPngAsync();
        var other = await app.AwardAsync(world.Manual2, world.StudentA1);
        var client = app.Public();
        var jwsBefore = await client.GetStringAsync($"/credentials/{award.Id}.jwt");
        var listUrl = $"{CredentialsFixture.PublicBaseUrl}/ob3/issuers/{world.Root.Id}/revocations";
        var listBefore = JsonNode.Parse(await client.GetStringAsync(listUrl))!;

        await app.RevokeAsync(award, world.AdminRoot, "Exam misconduct");

        var listAfter = JsonNode.Parse(await client.GetStringAsync(listUrl))!;
        var ob2 = await client.GetAsync($"/ob2/assertions/{award.Id}");
        var ob2Body = JsonNode.Parse(await ob2.Content.ReadAsStringAsync())!;
        var ob2Other = await client.GetAsync($"/ob2/assertions/{other.Id}");
        var jwsAfter = await client.GetAsync($"/credentials/{award.Id}.jwt");

        // 1EdTech Revocation List Status Method: the array is "revokedCredential" (singular), as 1EdTech's validator reads it.
        // It names only credentials whose status points to it (signed before the status lists: StatusListTests); this one
        // carries a status list entry, so the public list does not reveal its id, nor anyone's revoked award.
        Assert.Empty(listBefore["revokedCredential"]!.AsArray());
        Assert.Null(listAfter["revokedCredentials"]);
        Assert.Equal((listUrl, $"{CredentialsFixture.PublicBaseUrl}/ob3/issuers/{world.Root.Id}"), (listAfter["id"]!.GetValue<string>(), listAfter["issuer"]!.GetValue<string>()));
        Assert.Empty(listAfter["revokedCredential"]!.AsArray());
        Assert.Equal("BitstringStatusListEntry", JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!["credentialStatus"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Gone, ob2.StatusCode);
        Assert.Equal((true, "Exam misconduct"), (ob2Body["revoked"]!.GetValue<bool>(), ob2Body["revocationReason"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, ob2Other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, jwsAfter.StatusCode);
        Assert.Equal(jwsBefore, await jwsAfter.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/credentials/{0}.jwt", "credential_not_found")]
    [InlineData("/credentials/{0}.json", "credential_not_found")]
    [InlineData("/credentials/{0}.png", "credential_not_found")]
    [InlineData("/credentials/{0}.svg", "credential_not_found")]
    [InlineData("/ob2/assertions/{0}", "credential_not_found")]
    [InlineData("/ob2/assertions/{0}.png", "credential_not_found")]
    [InlineData("/ob2/badges/{0}", "achievement_not_found")]
    [InlineData("/ob2/issuers/{0}", "issuer_not_found")]
    [InlineData("/ob3/issuers/{0}", "issuer_not_found")]
    [InlineData("/ob3/issuers/{0}/revocations", "issuer_not_found")]
    [InlineData("/ob3/issuers/{0}/status/1", "status_list_not_found")]
    [InlineData("/ob3/achievements/{0}", "achievement_not_found")]
    [InlineData("/ob3/keys/{0}", "key_not_found")]
    public async Task UnknownOrMalformedIds_Answer404(string template, string code)
    {
        var client = app.Public();

        foreach (var id in new[] { Guid.NewGuid().ToString(), "not-a-guid", Guid.NewGuid().ToString("N"), "%27%3B--" })
        {
            await (await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id))).IsProblemAsync(HttpStatusCode.NotFound, code);
        }
    }

    /// <summary>
    /// RFC 9110 section 9.1: HEAD wherever GET (link checkers and verifiers probe with it), with GET's status and media type;
    /// and one URL per document: the canonical lower-case id only (Features/Credentials/README.md).
    /// </summary>
    [Fact]
    public async Task PublicDocuments_AnswerHeadAsGet_AndOnlyTheirCanonicalIdNamesThem()
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var path in new[]
        {
            $"/credentials/{award.Id}.json", $"/credentials/{award.Id}.jwt", $"/credentials/{award.Id}.png", $"/ob2/assertions/{award.Id}",
            $"/ob3/issuers/{world.Root.Id}", $"/ob3/achievements/{world.Manual.Id}", "/.well-known/jwks.json", $"/badges/{world.Manual.Id}/image",
        })
        {
            using var get = await client.GetAsync(path);
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.True(get.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)get.StatusCode}");
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {path}: {(int)head.StatusCode}");
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            Assert.Equal("*", Assert.Single(head.Headers.GetValues("Access-Control-Allow-Origin")));
        }
        foreach (var id in new[] { award.Id.ToString().ToUpperInvariant(), $"%20{award.Id}", $"{award.Id}%20", $"{{{award.Id}}}" })
        {
            await (await client.GetAsync($"/credentials/{id}.json")).IsProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
            await (await client.GetAsync($"/ob2/assertions/{id}")).IsProblemAsync(HttpStatusCode.NotFound, "credential_not_found");
        }
        // Routing matches literals in any case and forgives a trailing slash; only the canonical spelling names a document.
        var statusList = new Uri(System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!
            ["credentialStatus"]!["statusListCredential"]!.GetValue<string>()).AbsolutePath;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(statusList)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/credentials/{award.Id}")).StatusCode);
        foreach (var alias in new[]
        {
            $"/credentials/{award.Id}.JSON", $"/credentials/{award.Id}.json/", $"/Credentials/{award.Id}.jwt", "/.well-known/jwks.json/",
            $"/OB3/issuers/{world.Root.Id}", $"/ob2/assertions/{award.Id}/", statusList[..(statusList.LastIndexOf('/') + 1)] + "0" + statusList[(statusList.LastIndexOf('/') + 1)..],
            $"/credentials/{award.Id.ToString().ToUpperInvariant()}", $"/credentials/{award.Id}/",
        })
        {
            using var aliased = await client.GetAsync(alias);
            Assert.True(aliased.StatusCode == HttpStatusCode.NotFound, $"GET {alias}: {(int)aliased.StatusCode}");
        }
    }

    /// <summary>
    /// A badge image has one URL, as a credential has (Features/Credentials/README.md): the lower-case id the credential names
    /// as its achievement's image. Any other spelling is not found, as an unknown id is, rather than the same image under
    /// another URL (a second cache entry, RFC 9111 section 4: responses are stored by their URI).
    /// </summary>
    [Fact]
    public async Task BadgeImage_OnlyItsCanonicalUrlServesIt_OtherSpellingsAre404()
    {
        var (world, _) = await AwardWithPngAsync();
        var client = app.Public();
        var id = world.Manual.Id;

        using var canonical = await client.GetAsync($"/badges/{id}/image?v=1");
        Assert.Equal(HttpStatusCode.OK, canonical.StatusCode);
        Assert.Equal("image/png", canonical.Content.Headers.ContentType?.MediaType);
        foreach (var alias in new[]
        {
            $"/badges/{id.ToString().ToUpperInvariant()}/image", $"/badges/{id.ToString()[..8].ToUpperInvariant()}{id.ToString()[8..]}/image",
            $"/badges/{id:N}/image", $"/badges/{{{id}}}/image", $"/badges/{id}/IMAGE", $"/Badges/{id}/image", $"/badges/{id}/image/",
        })
        {
            using var aliased = await client.GetAsync(alias);
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, alias));
            Assert.True(aliased.StatusCode == HttpStatusCode.NotFound, $"GET {alias}: {(int)aliased.StatusCode}");
            Assert.True(head.StatusCode == HttpStatusCode.NotFound, $"HEAD {alias}: {(int)head.StatusCode}");
            Assert.NotEqual("image/png", aliased.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Jwks_IsPublicWithItsMediaType_AndEachKeyResolvesAtItsKid()
    {
        var (_, award) = await AwardWithPngAsync();
        var client = app.Public();
        await client.GetStringAsync($"/credentials/{award.Id}.jwt");

        var response = await client.GetAsync("/.well-known/jwks.json");
        var keys = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray().ToList();

        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var single = await client.GetAsync(key.GetProperty("kid").GetString());
            Assert.Equal("application/jwk+json", single.Content.Headers.ContentType?.MediaType);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(key.GetRawText()), JsonNode.Parse(await single.Content.ReadAsStringAsync())));
            Assert.Equal(("RSA", "RS256", "sig"), (key.GetProperty("kty").GetString(), key.GetProperty("alg").GetString(), key.GetProperty("use").GetString()));
            Assert.False(key.TryGetProperty("d", out _));
        }
    }

    /// <summary>
    /// One credential taken through what 1EdTech's OB 3.0 validator (digital-credentials-public-validator, OB30Inspector)
    /// checks, in its order: parse the VC-JWT, JSON-LD contexts, context and type, the canonical and inline JSON schemas,
    /// credentialSubject, evidence, issuer, the external proof (JOSE header, key, signature, claims), then status, expiry
    /// and issuance. Each rule cites the text it comes from: OB 3.0 sections by their anchor in the 1EdTech specification,
    /// VC Data Model 2.0 and Bitstring Status List by section number.
    /// </summary>
    [Fact]
    public async Task Conformance_ACredentialPassesThe1EdTechValidatorsChecks_InItsOrder()
    {
        var (_, award) = await AwardWithPngAsync(expiresAt: TimeProvider.System.UtcNowSeconds().AddDays(90), narrative: "Built and presented a robot.");
        var client = app.Public();
        var now = DateTimeOffset.UtcNow;

        // Parse: a Compact JWS, three base64url parts (OB 3.0 #jwt-proof "Overview"; RFC 7515 §7.1).
        var jws = await client.GetStringAsync($"/credentials/{award.Id}.jwt");
        var (header, payload) = IndependentVerifier.Decode(jws);
        // OB 3.0 #jwt-verify step 5: the payload is the OpenBadgeCredential itself (no "vc" claim).
        Assert.False(payload.TryGetProperty("vc", out _));
        var credential = JsonNode.Parse(payload.GetRawText())!.AsObject();

        // JSON-LD: every context resolves (here, to the vendored copies) and defines every term used (VC DM 2.0 §4.3), the JWT's
        // registered claims (RFC 7519 §4.1) aside (the whole tree is walked by Credential_Contexts_ResolveOffline_...).
        var contexts = credential["@context"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        var terms = OpenBadgesStandard.TermsOf(contexts);
        string[] jwtClaims = ["iss", "sub", "nbf", "jti", "exp"];
        Assert.All(credential.Select(p => p.Key).Where(k => !k.StartsWith('@') && !jwtClaims.Contains(k)), k => Assert.Contains(k, terms));
        // Context order: VC 2.0 first (VC DM 2.0 §4.3: "the first item MUST be https://www.w3.org/ns/credentials/v2"), then the
        // OB 3.0 context (OB 3.0 #json-ld-context-file; the validator wants it second).
        Assert.Equal(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"], contexts.Take(2));
        // Type: VerifiableCredential (VC DM 2.0 §4.5) and OpenBadgeCredential (OB 3.0 AchievementCredential class).
        var types = credential["type"]!.AsArray().Select(t => t!.GetValue<string>()).ToList();
        Assert.Contains("VerifiableCredential", types);
        Assert.Contains("OpenBadgeCredential", types);

        // Canonical schema (OB 3.0 #verification step 1: "check that the credential conforms to JSON Schema").
        Assert.Empty(OpenBadgesStandard.SchemaErrors(payload.GetRawText()));
        // Inline schema: each credentialSchema of type 1EdTechJsonSchemaValidator2019 is that schema, which it passes (VCCS 1.0).
        var schema = Assert.Single(credential["credentialSchema"]!.AsArray())!;
        Assert.Equal(("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json", "1EdTechJsonSchemaValidator2019"),
            (schema["id"]!.GetValue<string>(), schema["type"]!.GetValue<string>()));

        // credentialSubject: an AchievementSubject identified by an id and/or an identifier (OB 3.0 #verification step 1),
        // each identifier an IdentityObject, with an achievement whose criteria have an id or a narrative (OB 3.0 Criteria).
        var subject = credential["credentialSubject"]!.AsObject();
        Assert.Contains("AchievementSubject", subject["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.StartsWith("urn:uuid:", subject["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(subject["identifier"]!.AsArray(), i => Assert.Equal("IdentityObject", i!["type"]!.GetValue<string>()));
        var criteria = subject["achievement"]!["criteria"]!.AsObject();
        Assert.True(criteria.ContainsKey("id") || criteria.ContainsKey("narrative"));
        // Evidence, when present, is typed Evidence (OB 3.0 Evidence class); Rosette's narrative is the subject's.
        Assert.Null(credential["evidence"]);
        Assert.Equal("Built and presented a robot.", subject["narrative"]!.GetValue<string>());

        // Issuer: a Profile (OB 3.0 Profile class) whose id is a URL that resolves to that Profile.
        var issuer = credential["issuer"]!.AsObject();
        Assert.Contains("Profile", issuer["type"]!.AsArray().Select(t => t!.GetValue<string>()));
        var profile = JsonNode.Parse(await client.GetStringAsync(issuer["id"]!.GetValue<string>()))!;
        Assert.Equal(issuer["id"]!.GetValue<string>(), profile["id"]!.GetValue<string>());

        // JOSE header (OB 3.0 #joseheader): alg RS256, kid a URI, typ "JWT" if present, no other header.
        Assert.Equal(AllowedHeader, header.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("RS256", "JWT"), (header.GetProperty("alg").GetString(), header.GetProperty("typ").GetString()));
        // The kid dereferences to one JWK (OB 3.0 #dereference), public only: "The JWK MUST never contain "d"" (#joseheader).
        var jwk = JsonDocument.Parse(await client.GetStringAsync(header.GetProperty("kid").GetString())).RootElement;
        Assert.Equal(JsonValueKind.Object, jwk.ValueKind);
        Assert.False(jwk.TryGetProperty("keys", out _));
        Assert.False(jwk.TryGetProperty("d", out _));
        // Signature (OB 3.0 #jwt-verify step 4; RFC 7515 §5.2), by a verifier that shares no code with Rosette.
        Assert.True(IndependentVerifier.VerifiesWith(jws, jwk));

        // Claims (OB 3.0 #jwt-verify-credential): iss = issuer.id, sub = credentialSubject.id, nbf = validFrom, jti = id,
        // exp = validUntil.
        var validFrom = DateTimeOffset.Parse(credential["validFrom"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var validUntil = DateTimeOffset.Parse(credential["validUntil"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(issuer["id"]!.GetValue<string>(), payload.GetProperty("iss").GetString());
        Assert.Equal(subject["id"]!.GetValue<string>(), payload.GetProperty("sub").GetString());
        Assert.Equal(validFrom.ToUnixTimeSeconds(), payload.GetProperty("nbf").GetInt64());
        Assert.Equal(credential["id"]!.GetValue<string>(), payload.GetProperty("jti").GetString());
        Assert.Equal(validUntil.ToUnixTimeSeconds(), payload.GetProperty("exp").GetInt64());

        // Status (OB 3.0 #verification step 4; the validator follows W3C Bitstring Status List §3.2 for a
        // BitstringStatusListEntry): the list is fetched and its proof verified, its purpose matches, it holds at least
        // 131,072 entries, and the credential's bit is 0.
        var status = credential["credentialStatus"]!.AsObject();
        Assert.Equal(("BitstringStatusListEntry", "revocation"), (status["type"]!.GetValue<string>(), status["statusPurpose"]!.GetValue<string>()));
        var listJws = await client.GetStringAsync(status["statusListCredential"]!.GetValue<string>());
        Assert.True(IndependentVerifier.VerifiesWith(listJws, JsonDocument.Parse(await client.GetStringAsync(IndependentVerifier.Decode(listJws).Header.GetProperty("kid").GetString())).RootElement));
        var list = IndependentVerifier.Decode(listJws).Payload;
        Assert.Contains("BitstringStatusListCredential", list.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("revocation", list.GetProperty("credentialSubject").GetProperty("statusPurpose").GetString());
        var bits = IndependentVerifier.ExpandBitstring(list.GetProperty("credentialSubject").GetProperty("encodedList").GetString()!);
        Assert.True(bits.Length * 8 >= 131_072);
        Assert.False(IndependentVerifier.BitAt(bits, int.Parse(status["statusListIndex"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(DateTimeOffset.FromUnixTimeSeconds(list.GetProperty("exp").GetInt64()) > now);

        // Expiry and issuance (OB 3.0 #verification step 4): validFrom has passed, validUntil has not.
        Assert.True(validFrom <= now);
        Assert.True(validUntil > now);
    }

    private static List<(string Keyword, string Text)> PngTexts(byte[] png)
    {
        var directories = PngMetadataReader.ReadMetadata(new MemoryStream(png));
        return directories.OfType<PngDirectory>()
            .Where(d => d.GetPngChunkType().Identifier == "iTXt")
            .SelectMany(d => (IEnumerable<MetadataExtractor.KeyValuePair>?)d.GetObject(PngDirectory.TagTextualData) ?? [])
            .Select(kv => (kv.Key, kv.Value.ToString(Encoding.UTF8)))
            .ToList();
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }
}
