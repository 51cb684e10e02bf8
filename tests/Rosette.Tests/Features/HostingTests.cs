using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Infrastructure.Hosting;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class HostingTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Health_DatabaseAnswers_Returns200()
    {
        var response = await app.Factory.CreateClient().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// The probes are read-only resources: GET and HEAD answer, any other method is refused as elsewhere in the app (RFC 9110
    /// section 15.5.6: a 405 "MUST generate an Allow header field"). <c>/health/live</c> answered 200 to any method before.
    /// </summary>
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthProbes_GetAndHeadOnly_OtherMethodsAnswer405WithAllow(string path)
    {
        var client = app.Factory.CreateClient();
        // Ready once the shared instance's warm-up has ended.
        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "/health/ready answers 200");
        foreach (var method in new[] { "GET", "HEAD" })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode}");
        }
        foreach (var method in new[] { "POST", "PUT", "PATCH", "DELETE" })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") });
            Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            await response.IsProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }
    }

    [Fact]
    public async Task KeyRingCertificate_InstancesStartingAtOnceWithNone_AllReadTheOneCertificateThatWasWritten()
    {
        const int starts = 2;
        var folder = Path.Combine(Path.GetTempPath(), "rosette-tests", $"keyring-{Guid.NewGuid():N}");
        var path = Path.Combine(folder, "dataprotection.pfx");
        try
        {
            // Each start creates its own certificate when it finds none; they race to write it and must not read a
            // half-written file (EndOfStreamException) or go on with a certificate other than the stored one.
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Rosette:DataProtection:CertificatePath"] = path }).Build();
            using var start = new Barrier(starts);
            var thumbprints = await Task.WhenAll(Enumerable.Range(0, starts).Select(_ => Task.Run(() =>
            {
                var services = new ServiceCollection();
                start.SignalAndWait();
                services.AddRosetteDataProtection(configuration);
                return services.Where(d => !d.IsKeyedService).Select(d => d.ImplementationInstance).OfType<KeyRingCertificate>().Single().Thumbprint;
            })));

            var stored = X509CertificateLoader.LoadPkcs12FromFile(path, null).Thumbprint;
            Assert.All(thumbprints, t => Assert.Equal(stored, t));
            Assert.Equal(["dataprotection.pfx"], Directory.GetFiles(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task PrometheusEndpoint_IsOffByDefault()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await app.Factory.CreateClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesEveryApiArea_AndHasAReferencePage()
    {
        var client = app.Factory.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var reference = await client.GetAsync("/api/reference");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[]
        {
            "/api/v1/auth/token", "/api/v1/organizations", "/api/v1/users/{id}", "/api/v1/courses", "/api/v1/course-assignments",
            "/api/v1/classes", "/api/v1/classes/{classId}/instructors/{userId}", "/api/v1/classes/{classId}/enrollments",
            "/api/v1/classes/{classId}/roster", "/api/v1/badges", "/health",
        })
        {
            Assert.Contains(path, paths);
        }
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        // An HTML page like the others: framed by no site, its scripts from this one only.
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", reference.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Equal("same-origin", Assert.Single(reference.Headers.GetValues("Referrer-Policy")));
        var html = await reference.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script[^>]+src=""(https?:)?//", html);
    }

    /// <summary>
    /// A request body's schema names only what the server reads: a constructor parameter or a settable property of the type
    /// it is bound to. A computed property (get-only) would be advertised as a field that a client fills and the server
    /// silently drops.
    /// </summary>
    [Fact]
    public async Task OpenApi_EveryRequestSchema_ListsOnlyFieldsTheServerBinds()
    {
        var document = JsonDocument.Parse(await app.Factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var types = typeof(Rosette.Infrastructure.Hosting.RosetteApp).Assembly.GetTypes().ToLookup(t => t.Name);
        var checkedSchemas = 0;
        foreach (var schema in document.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .Where(s => s.Name.EndsWith("Request", StringComparison.Ordinal) && types[s.Name].Count() == 1 && s.Value.TryGetProperty("properties", out _)))
        {
            var type = types[schema.Name].Single();
            var bound = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name!)
                .Concat(type.GetProperties().Where(p => p.CanWrite).Select(p => p.Name))
                .Select(name => char.ToLowerInvariant(name[0]) + name[1..])
                .ToHashSet();
            foreach (var property in schema.Value.GetProperty("properties").EnumerateObject())
            {
                Assert.True(bound.Contains(property.Name), $"{schema.Name}.{property.Name} is in the OpenAPI document, but the server does not bind it");
            }
            checkedSchemas++;
        }
        Assert.True(checkedSchemas > 10, $"only {checkedSchemas} request schemas checked");
    }

    [Fact]
    public async Task OpenApi_CsvExports_AdvertiseTheirFiltersButNoPaging()
    {
        // An export is every matching row: paging parameters would be accepted and ignored.
        var document = JsonDocument.Parse(await app.Factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var exports = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.EndsWith("/export", StringComparison.Ordinal)).ToList();
        var parameters = exports.ToDictionary(p => p.Name, p => p.Value.GetProperty("get").TryGetProperty("parameters", out var list)
            ? list.EnumerateArray().Select(x => x.GetProperty("name").GetString()!.ToLowerInvariant()).ToList() : []);

        Assert.Contains("kind", parameters["/api/v1/audit-entries/export"]);
        Assert.Contains("state", parameters["/api/v1/awards/expiring/export"]);
        foreach (var (path, names) in parameters)
        {
            Assert.True(!names.Intersect(["page", "pagesize", "after"]).Any(), $"{path} advertises {string.Join(", ", names)}");
        }
    }

    [Fact]
    public async Task UnknownRoute_AnswersProblem404()
    {
        await (await app.Factory.CreateClient().GetAsync("/api/v1/nothing-here")).IsProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Bootstrap_EmptyDatabase_GetsOneSystemAdministratorFromConfiguration()
    {
        var root = await app.RootAsync();

        Assert.True(root.IsSystemAdministrator);
        var token = await app.Factory.CreateClient().PostJsonAsync("/api/v1/auth/token", new { email = RosetteFactory.AdminEmail, password = RosetteFactory.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }
}
