using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Badges;
using Rosette.Domain.Issuance;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.Credentials;

/// <summary>
/// The public documents as HTTP resources: GET and HEAD only (RFC 9110 section 15.5.6: a 405 names the allowed methods in
/// Allow), their status lists negotiated on Accept (sections 12.5.1 and 15.5.7), and readable from any origin (Fetch
/// standard, CORS protocol) while the API and the pages are not.
/// </summary>
[Collection(SharedCredentialsHost.Name)]
public sealed class PublicDocumentsHttpTests(CredentialsFixture app)
{
    private const string VerifierOrigin = "https://verifier.example";

    private async Task<(World World, Award Award)> AwardWithPngAsync()
    {
        var world = await app.NewWorldAsync();
        await app.GiveImageAsync(world.Manual, BadgeImageContent.Png, Images.Png);
        return (world, await app.AwardAsync(world.Manual, world.StudentA1));
    }

    /// <summary>Every kind of public document, the award's credential never fetched (so never signed) before.</summary>
    private static string[] DocumentPaths(World world, Award award) =>
    [
        $"/credentials/{award.Id}.json", $"/credentials/{award.Id}.jwt", $"/credentials/{award.Id}.png", $"/credentials/{award.Id}.svg",
        $"/ob3/issuers/{world.Root.Id}", $"/ob3/issuers/{world.Root.Id}/revocations", $"/ob3/issuers/{world.Root.Id}/status/1",
        $"/ob3/achievements/{world.Manual.Id}", "/.well-known/jwks.json", $"/ob3/keys/{Guid.NewGuid()}",
        $"/ob2/assertions/{award.Id}", $"/ob2/assertions/{award.Id}.png", $"/ob2/badges/{world.Manual.Id}", $"/ob2/issuers/{world.Root.Id}",
        $"/badges/{world.Manual.Id}/image",
    ];

    private Task<bool> IsSignedAsync(Award award) =>
        app.Factory.WithDbAsync(db => db.SignedCredentials.AnyAsync(s => s.AwardId == award.Id));

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task PublicDocuments_MethodOtherThanGetOrHead_Answers405WithAllowAndProblem_AndStoresNothing(string method)
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var path in DocumentPaths(world, award))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            using var response = await client.SendAsync(request);

            // RFC 9110 section 15.5.6: "The origin server MUST generate an Allow header field in a 405 response".
            Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            await response.IsProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }
        // A GET would have signed and stored the credential.
        Assert.False(await IsSignedAsync(award));
    }

    [Fact]
    public async Task CredentialPage_PostedFormWithoutAntiforgeryToken_Answers405NotAntiforgerys400_AndStoresNothing()
    {
        var (_, award) = await AwardWithPngAsync();
        var client = app.Public();

        using var response = await client.PostAsync($"/credentials/{award.Id}", new FormUrlEncodedContent([new("x", "y")]));

        // The page is a page: the HTML error page, with Allow (RFC 9110 section 15.5.6); antiforgery never ran.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.False(await IsSignedAsync(award));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/credentials/{award.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/credentials/{award.Id}"))).StatusCode);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("text/html, application/xhtml+xml, application/xml;q=0.9")]
    [InlineData("application/vc+jwt;q=0, text/plain;q=0, text/html")]
    [InlineData("application/*;q=0, text/plain;q=0, */*")]
    public async Task StatusList_AcceptAllowingNeitherType_IsDisregarded_ServesTheJwt(string accept)
    {
        var world = await app.NewWorldAsync();
        var award = await app.AwardAsync(world.Manual, world.StudentA1);
        var client = app.Public();
        var url = JsonNode.Parse(await client.GetStringAsync($"/credentials/{award.Id}.json"))!["credentialStatus"]!["statusListCredential"]!.GetValue<string>();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);

        using var response = await client.SendAsync(request);

        // RFC 9110 section 12.5.1: with Accept present and no representation acceptable, the server "can either honor the
        // header field by sending a 406 (Not Acceptable) response or disregard the header field by treating the response as
        // if it is not subject to content negotiation". A media range matches by type and subtype only (no suffix rule), so
        // application/json names neither type; a verifier must still get the list, so Rosette disregards the header.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vc+jwt", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, (await response.Content.ReadAsStringAsync()).Split('.').Length);
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/html")]
    [InlineData("application/ld+json")]
    public async Task PublicDocuments_AnyAccept_AreServed_Never406(string accept)
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var path in DocumentPaths(world, award))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await client.SendAsync(request);

            // RFC 9110 section 12.5.1: a server may disregard an Accept it cannot satisfy; a verifier is never refused a document.
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{accept} {path}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/html, application/xhtml+xml, application/xml;q=0.9")]
    [InlineData("image/png")]
    [InlineData("text/plain")]
    public async Task PublicDocuments_MethodNotAllowed_WithAnyAccept_IsProblemJsonWithAllow(string accept)
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var path in DocumentPaths(world, award))
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, path);
            request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await client.SendAsync(request);

            // RFC 9110 section 15.5.6: a 405 MUST carry Allow. Section 12.5.1 lets the server disregard an Accept it cannot
            // satisfy (and 15.5.7: a 406 is for a server "unwilling to supply a default representation"): an error here is
            // always problem+json, never the framework's text/plain fallback.
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            await response.IsProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }
    }

    [Fact]
    public async Task PublicDocuments_GetAndHeadFromAnotherOrigin_AllowAnyOrigin_WithoutCredentials()
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            foreach (var path in DocumentPaths(world, award))
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Add("Origin", VerifierOrigin);
                using var response = await client.SendAsync(request);

                // Found or not (a random key id, a PNG-only badge's .svg), the answer is readable by the verifier's page.
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Gone, $"{method} {path}: {(int)response.StatusCode}");
                Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
                // Fetch standard, CORS protocol: credentials are never allowed with the wildcard origin.
                Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), $"{method} {path}");
            }
        }
    }

    [Fact]
    public async Task PublicDocuments_Preflight_Answers204_AllowingGetHeadAndAccept()
    {
        var (world, award) = await AwardWithPngAsync();
        var client = app.Public();

        foreach (var path in DocumentPaths(world, award))
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, path);
            request.Headers.Add("Origin", VerifierOrigin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "accept");
            using var response = await client.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"OPTIONS {path}: {(int)response.StatusCode}");
            Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Equal(["GET", "HEAD"], response.Headers.GetValues("Access-Control-Allow-Methods").SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).Order(StringComparer.Ordinal));
            Assert.Contains("Accept", response.Headers.GetValues("Access-Control-Allow-Headers").SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)), StringComparer.OrdinalIgnoreCase);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), path);
        }
        Assert.False(await IsSignedAsync(award));
    }

    [Fact]
    public async Task PublicDocuments_PreflightForPost_GetsNoCorsHeaders()
    {
        var (_, award) = await AwardWithPngAsync();
        using var request = new HttpRequestMessage(HttpMethod.Options, $"/credentials/{award.Id}.json");
        request.Headers.Add("Origin", VerifierOrigin);
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await app.Public().SendAsync(request);

        // Without Access-Control-Allow-* the browser refuses to send the POST.
        Assert.NotEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task ApiAndPages_FromAnotherOrigin_GetNoCorsHeaders()
    {
        var (world, award) = await AwardWithPngAsync();
        var api = await app.Factory.ClientForAsync(world.AdminRoot);
        var anonymous = app.Public();

        foreach (var (client, path) in new[] { (api, $"/api/v1/awards/{award.Id}"), (api, "/api/v1/badges"), (anonymous, $"/credentials/{award.Id}"), (anonymous, "/login") })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", VerifierOrigin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            using var get = new HttpRequestMessage(HttpMethod.Get, path);
            get.Headers.Add("Origin", VerifierOrigin);

            using var preflighted = await client.SendAsync(preflight);
            using var got = await client.SendAsync(get);

            Assert.Equal(HttpStatusCode.OK, got.StatusCode);
            Assert.NotEqual(HttpStatusCode.NoContent, preflighted.StatusCode);
            foreach (var response in new[] { preflighted, got })
            {
                Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), $"{response.RequestMessage!.Method} {path}");
                Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"), $"{response.RequestMessage!.Method} {path}");
            }
        }
    }

    /// <summary>
    /// The path rule that makes a framework error (405, unknown route) problem+json holds exactly the endpoints mapped as
    /// public documents: each route, filled in, is a public document path if and only if it carries the CORS policy.
    /// </summary>
    [Fact]
    public void IsPublicDocumentPath_HoldsExactlyTheEndpointsWithThePublicDocumentsPolicy()
    {
        var endpoints = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.Contains(endpoints, e => e.Metadata.GetMetadata<IEnableCorsAttribute>()?.PolicyName == PublicDocuments.CorsPolicy);
        foreach (var endpoint in endpoints)
        {
            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternSeparatorPart separator => separator.Content,
                _ => Guid.NewGuid().ToString(),
            }))));
            var isDocument = endpoint.Metadata.GetMetadata<IEnableCorsAttribute>()?.PolicyName == PublicDocuments.CorsPolicy;
            Assert.True(isDocument == PublicDocuments.IsPublicDocumentPath(new PathString(path)), $"{endpoint.DisplayName}: {path}");
        }
    }
}
