using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Rosette.Domain.Audit;
using Rosette.Features.ApiKeys;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features.ApiKeys;

/// <summary>One host for the API key tests: a clock the tests move, a low per-key rate limit, and every log line kept.</summary>
public sealed class ApiKeyFixture : AppFixture
{
    public const int PermitsPerWindow = 15;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override RosetteFactory CreateFactory(TestDatabase database) => new(database, Clock, new Dictionary<string, string?>
    {
        ["Rosette:ApiKeys:PermitsPerWindow"] = PermitsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Rosette:ApiKeys:Window"] = "01:00:00",
    }, Logs);
}

/// <summary>API keys (issue 18): made by administrators, shown once, stored as a hash, scoped, permitted per endpoint, revocable, audited.</summary>
public sealed class ApiKeyTests(ApiKeyFixture app) : IClassFixture<ApiKeyFixture>
{
    private const string Keys = "/api/v1/api-keys";

    private static readonly string[] AllPermissions = ["post_activity_events", "issue_badges", "read_awards", "manage_rosters"];

    [Fact]
    public async Task CreateApiKey_ByAdministrator_ShowsTheSecretOnceAndKeepsOnlyItsHash()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);

        var response = await admin.PostJsonAsync(Keys, new { name = "Lab platform", organizationId = world.A.Id, permissions = new[] { "post_activity_events" } });
        var created = await response.IsOkAsync<CreatedApiKeyDto>(HttpStatusCode.Created);

        // rk_ and 32 random bytes in base64url: 256 bits.
        Assert.Matches(new Regex("^rk_[A-Za-z0-9_-]{43}$"), created.Secret);
        Assert.Equal(["post_activity_events"], created.Key.Permissions);
        Assert.Equal("active", created.Key.Status);
        Assert.Equal(created.Secret[..7], created.Key.Hint);
        var shownAgain = await (await admin.GetAsync($"{Keys}/{created.Key.Id}")).Content.ReadAsStringAsync();
        var listed = await (await admin.GetAsync($"{Keys}?organizationId={world.A.Id}")).Content.ReadAsStringAsync();
        Assert.Contains(created.Key.Id.ToString(), listed);
        Assert.Contains("Lab platform", shownAgain);
        Assert.DoesNotContain(created.Secret, shownAgain + listed);

        var row = await app.Factory.WithDbAsync(db => db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == created.Key.Id));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(created.Secret))), row.SecretHash);
        Assert.DoesNotContain(created.Secret[3..], JsonSerializer.Serialize(row));
        var audit = await app.Factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(e => e.EntityId == created.Key.Id && e.Kind == AuditKind.ApiKeyCreated));
        Assert.Equal(world.AdminA.Id, audit.ActorId);
        Assert.DoesNotContain(created.Secret[3..], audit.Summary + audit.Data);

        // The key works, and neither its use nor its creation put the secret in a log line.
        var key = KeyClient(created.Secret);
        await (await key.PostJsonAsync("/api/v1/activity-events", new[] { Event(world.StudentA1.Id) })).IsOkAsync<JsonElement>(HttpStatusCode.Accepted);
        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains(created.Secret[3..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateApiKey_ByWhoeverMayNot_IsRefusedAndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var request = new { name = "Key", organizationId = world.A.Id, permissions = AllPermissions };
        foreach (var user in new[] { world.OrgInstructor, world.StudentA1 })
        {
            var client = await app.ClientAsync(user);
            await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await client.PostJsonAsync(Keys, request)).IsProblemAsync(HttpStatusCode.Forbidden, "forbidden"));
        }
        // An administrator of B does not see A; an administrator of A does not see the root above it.
        var adminB = await app.ClientAsync(world.AdminB);
        await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await adminB.PostJsonAsync(Keys, request)).IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found"));
        var adminA = await app.ClientAsync(world.AdminA);
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await adminA.PostJsonAsync(Keys, new { name = "Key", organizationId = world.Root.Id, permissions = AllPermissions }))
                .IsProblemAsync(HttpStatusCode.NotFound, "organization_not_found"));
        var invalid = await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await adminA.PostJsonAsync(Keys, new { name = "", organizationId = world.A.Id, permissions = new[] { "delete_everything" }, expiresAt = DateTime.UtcNow.AddDays(-1) }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed"));
        invalid.HasFieldError("name");
        invalid.HasFieldError("permissions");
        invalid.HasFieldError("expiresAt");

        // A key never makes keys, even one with every permission.
        var key = KeyClient(await CreateKeyAsync(adminA, world.A.Id, AllPermissions));
        await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await key.PostJsonAsync(Keys, request)).IsProblemAsync(HttpStatusCode.Forbidden, "api_key_not_permitted"));
    }

    public static TheoryData<string> Permissions() => new(AllPermissions);

    /// <summary>A key holding one permission calls what it covers and nothing else; each refused call answers 403 and changes nothing.</summary>
    [Theory]
    [MemberData(nameof(Permissions))]
    public async Task ApiKey_WithOnePermission_ReachesOnlyTheEndpointsItCovers(string permission)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var key = KeyClient(await CreateKeyAsync(admin, world.Root.Id, [permission]));
        var calls = new (string Covers, Func<Task<HttpResponseMessage>> Call, HttpStatusCode Ok)[]
        {
            ("post_activity_events", () => key.PostJsonAsync("/api/v1/activity-events", new[] { Event(world.StudentA1.Id) }), HttpStatusCode.Accepted),
            ("issue_badges", () => key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
                new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } }), HttpStatusCode.OK),
            ("read_awards", () => key.GetAsync("/api/v1/awards"), HttpStatusCode.OK),
            ("read_awards", () => key.GetAsync($"/api/v1/badges/{world.Manual.Id}/holders"), HttpStatusCode.OK),
            ("manage_rosters", () => key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/enrollments", new { studentIds = new[] { world.StudentOutside.Id } }), HttpStatusCode.OK),
            ("manage_rosters", () => key.GetAsync($"/api/v1/classes/{world.Class.Id}/roster"), HttpStatusCode.OK),
            ("none", () => key.GetAsync("/api/v1/users"), HttpStatusCode.OK),
            ("none", () => key.PatchJsonAsync($"/api/v1/users/{world.StudentA1.Id}", new { firstName = "Changed" }), HttpStatusCode.OK),
            ("none", () => key.PostJsonAsync($"/api/v1/users/{world.AdminA.Id}/password-reset", new { mode = "link" }), HttpStatusCode.OK),
            ("none", () => key.PostJsonAsync("/api/v1/organizations", new { name = "Mine", parentId = world.Root.Id }), HttpStatusCode.Created),
            ("none", () => key.GetAsync("/api/v1/audit-entries"), HttpStatusCode.OK),
            ("none", () => key.PostJsonAsync($"/api/v1/awards/{Guid.NewGuid()}/revocation", new { reason = "no" }), HttpStatusCode.OK),
            ("none", () => key.PostJsonAsync("/api/v1/sign-in-connections", new { organizationId = world.Root.Id }), HttpStatusCode.Created),
        };
        foreach (var (covers, call, ok) in calls)
        {
            if (covers == permission)
            {
                var response = await call();
                Assert.True(response.StatusCode == ok, $"{permission}: {response.RequestMessage!.RequestUri} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else
            {
                var problem = await DbSnapshot.UnchangedAsync(app.Factory, async () => await (await call()).IsProblemAsync(HttpStatusCode.Forbidden, "api_key_not_permitted"));
                Assert.Contains("API key", problem.GetProperty("detail").GetString());
            }
        }
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.Users.CountAsync(u => u.FirstName == "Changed")));
    }

    [Fact]
    public async Task ApiKey_OfOneOrganization_CannotReachAnother()
    {
        var world = await app.NewWorldAsync();
        var key = KeyClient(await CreateKeyAsync(await app.ClientAsync(world.AdminA), world.A.Id, AllPermissions));
        // The class and its badges belong to the root above A; B is beside A.
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } }))
                .IsProblemAsync(HttpStatusCode.NotFound, "class_not_found"));
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/enrollments", new { studentIds = new[] { world.StudentA2.Id } }))
                .IsProblemAsync(HttpStatusCode.NotFound, "class_not_found"));
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await key.GetAsync($"/api/v1/badges/{world.BadgeB.Id}/holders")).IsProblemAsync(HttpStatusCode.NotFound, "badge_not_found"));
        var events = await (await key.PostJsonAsync("/api/v1/activity-events", new[] { Event(world.StudentB1.Id) })).IsOkAsync<JsonElement>(HttpStatusCode.Accepted);
        Assert.Equal("unknown_user", events.GetProperty("events")[0].GetProperty("code").GetString());
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.UserId == world.StudentB1.Id)));
        var awards = await (await key.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
        Assert.Equal(0, awards.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ApiKey_RevokedExpiredOrUnknown_IsRefused()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var revokedSecret = await CreateKeyAsync(admin, world.A.Id, ["read_awards"]);
        var revoked = KeyClient(revokedSecret);
        await (await revoked.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
        var id = await KeyIdAsync(revokedSecret);
        var afterRevocation = await (await admin.PostAsync($"{Keys}/{id}/revocation", null)).IsOkAsync<ApiKeyDto>();
        Assert.Equal("revoked", afterRevocation.Status);
        await (await revoked.GetAsync("/api/v1/awards")).IsProblemAsync(HttpStatusCode.Unauthorized, "api_key_revoked");
        await (await admin.PostAsync($"{Keys}/{id}/revocation", null)).IsProblemAsync(HttpStatusCode.Conflict, "api_key_revoked");
        Assert.Single(await app.Factory.WithDbAsync(db => db.AuditEntries.Where(e => e.EntityId == id && e.Kind == AuditKind.ApiKeyRevoked).ToListAsync()));

        var expiring = KeyClient(await CreateKeyAsync(admin, world.A.Id, ["read_awards"], app.Clock.GetUtcNow().UtcDateTime.AddHours(1)));
        await (await expiring.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
        app.Clock.Advance(TimeSpan.FromHours(2));
        await (await expiring.GetAsync("/api/v1/awards")).IsProblemAsync(HttpStatusCode.Unauthorized, "api_key_expired");

        using var unknown = await KeyClient("rk_" + new string('A', 43)).GetAsync("/api/v1/awards");
        // RFC 9110 section 11.6.1 (a 401 carries WWW-Authenticate) and RFC 6750 section 3.1 (invalid_token).
        Assert.Equal("Bearer error=\"invalid_token\"", unknown.Headers.WwwAuthenticate.ToString());
        await unknown.IsProblemAsync(HttpStatusCode.Unauthorized, "api_key_invalid");
    }

    [Fact]
    public async Task ApiKey_OfAnotherOrganization_IsNeitherShownNorRevoked_AndTheRefusalChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var secret = await CreateKeyAsync(await app.ClientAsync(world.AdminA), world.A.Id, ["read_awards"]);
        var id = await KeyIdAsync(secret);

        // B's administrator: not their key, and not told apart from none.
        var adminB = await app.ClientAsync(world.AdminB);
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            await (await adminB.GetAsync($"{Keys}/{id}")).IsProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
            await (await adminB.PostAsync($"{Keys}/{id}/revocation", null)).IsProblemAsync(HttpStatusCode.NotFound, "api_key_not_found");
        });
        Assert.Empty((await (await adminB.GetAsync($"{Keys}?organizationId={world.A.Id}")).IsOkAsync<JsonElement>()).GetProperty("items").EnumerateArray());
        await (await KeyClient(secret).GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
    }

    /// <summary>A key never outranks its creator, at creation and at every use: a demoted or deactivated creator suspends it.</summary>
    [Fact]
    public async Task ApiKey_WhoseCreatorLosesTheOrganization_IsSuspendedUntilTheyHoldItAgain()
    {
        var world = await app.NewWorldAsync();
        var secret = await CreateKeyAsync(await app.ClientAsync(world.AdminA), world.A.Id, ["read_awards"]);
        var key = KeyClient(secret);
        var root = await app.ClientAsync(world.AdminRoot);

        await (await root.PatchJsonAsync($"/api/v1/users/{world.AdminA.Id}", new { role = "instructor" })).IsOkAsync<JsonElement>();
        await (await key.GetAsync("/api/v1/awards")).IsProblemAsync(HttpStatusCode.Unauthorized, "api_key_suspended");
        Assert.Equal("suspended", (await (await root.GetAsync($"{Keys}/{await KeyIdAsync(secret)}")).IsOkAsync<ApiKeyDto>()).Status);

        await (await root.PatchJsonAsync($"/api/v1/users/{world.AdminA.Id}", new { role = "administrator" })).IsOkAsync<JsonElement>();
        await (await key.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();

        await (await root.PatchJsonAsync($"/api/v1/users/{world.AdminA.Id}", new { isActive = false })).IsOkAsync<JsonElement>();
        await (await key.GetAsync("/api/v1/awards")).IsProblemAsync(HttpStatusCode.Unauthorized, "api_key_suspended");
    }

    [Fact]
    public async Task ApiKey_Actions_AreAuditedUnderTheKeysNameAndNoPerson()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var secret = await CreateKeyAsync(admin, world.Root.Id, ["issue_badges"], name: "Lab platform");
        var keyId = await KeyIdAsync(secret);
        var key = KeyClient(secret);
        key.DefaultRequestHeaders.Add("Idempotency-Key", "batch-1");
        var body = new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA1.Id } };

        var first = await (await key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body)).IsOkAsync<JsonElement>();
        var retry = await (await key.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances", body)).IsOkAsync<JsonElement>();

        Assert.Equal(first.GetProperty("id").GetGuid(), retry.GetProperty("id").GetGuid());
        var batch = await app.Factory.WithDbAsync(db => db.IssuanceBatches.AsNoTracking().SingleAsync(b => b.ClassId == world.Class.Id));
        Assert.Equal(keyId, batch.ApiKeyId);
        Assert.Null(batch.IssuedById);
        Assert.Null((await app.Factory.WithDbAsync(db => db.Awards.AsNoTracking().SingleAsync(a => a.BatchId == batch.Id))).IssuedById);
        var entries = await (await admin.GetAsync($"/api/v1/audit-entries?actorId={keyId}&kind=badges_issued")).IsOkAsync<JsonElement>();
        var entry = Assert.Single(entries.GetProperty("items").EnumerateArray());
        Assert.Equal("API key 'Lab platform'", entry.GetProperty("actorName").GetString());
    }

    [Fact]
    public async Task ApiKey_PastItsRateLimit_Answers429WithRetryAfter_OtherKeysUnaffected()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminA);
        var busy = KeyClient(await CreateKeyAsync(admin, world.A.Id, ["read_awards"]));
        var other = KeyClient(await CreateKeyAsync(admin, world.A.Id, ["read_awards"]));
        for (var i = 0; i < ApiKeyFixture.PermitsPerWindow; i++)
        {
            await (await busy.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
        }
        var limited = await busy.GetAsync("/api/v1/awards");
        await limited.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await (await other.GetAsync("/api/v1/awards")).IsOkAsync<JsonElement>();
    }

    [Fact]
    public async Task ApiKey_LastUsed_IsWrittenOncePerFiveMinutesNotOnEveryRequest()
    {
        var world = await app.NewWorldAsync();
        var secret = await CreateKeyAsync(await app.ClientAsync(world.AdminA), world.A.Id, ["read_awards"]);
        var key = KeyClient(secret);
        var id = await KeyIdAsync(secret);
        Task<DateTime?> LastUsedAsync() => app.Factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Id == id).Select(k => k.LastUsedAt).SingleAsync());
        Assert.Null(await LastUsedAsync());

        await key.GetAsync("/api/v1/awards");
        var first = await LastUsedAsync();
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime, first!.Value, TimeSpan.FromSeconds(1));
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await key.GetAsync("/api/v1/awards");
        Assert.Equal(first, await LastUsedAsync());
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await key.GetAsync("/api/v1/awards");
        Assert.True(await LastUsedAsync() > first);
    }

    [Fact]
    public async Task OpenApi_DescribesTheTokenAndTheApiKeySchemes()
    {
        var document = await (await app.Factory.CreateClient().GetAsync("/openapi/v1.json")).IsOkAsync<JsonElement>();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty("apiKey").GetProperty("scheme").GetString());
        var post = document.GetProperty("paths").GetProperty("/api/v1/activity-events").GetProperty("post");
        Assert.Contains(post.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("apiKey", out var scopes) && scopes[0].GetString() == "post_activity_events");
        Assert.False(document.GetProperty("paths").GetProperty("/api/v1/users").GetProperty("get").TryGetProperty("security", out _));
    }

    private static object Event(Guid userId) => new
    {
        id = Guid.NewGuid().ToString(), userId, type = "lab_completed", subjectId = "lab-1", occurredAt = DateTime.UtcNow.AddMinutes(-1).ToString("O"),
    };

    private HttpClient KeyClient(string secret)
    {
        var client = app.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, Guid organizationId, string[] permissions, DateTime? expiresAt = null, string name = "Integration")
    {
        var response = await admin.PostJsonAsync(Keys, new { name, organizationId, permissions, expiresAt });
        return (await response.IsOkAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Secret;
    }

    private Task<Guid> KeyIdAsync(string secret)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        return app.Factory.WithDbAsync(db => db.ApiKeys.Where(k => k.SecretHash == hash).Select(k => k.Id).SingleAsync());
    }
}
