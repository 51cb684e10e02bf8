using System.Net;
using Rosette.Domain.Users;
using Rosette.Features.Issuance;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Every issuance endpoint against every kind of caller: in scope, out of scope, each kind of instructor, students, anonymous.</summary>
public sealed class IssuanceAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    public static TheoryData<string, string, HttpStatusCode> Matrix()
    {
        var data = new TheoryData<string, string, HttpStatusCode>();
        var classEndpoints = new[] { "issuable-badges", "issuable-students", "issue", "history", "stored-result" };
        foreach (var endpoint in classEndpoints)
        {
            data.Add(endpoint, "admin-in-scope", HttpStatusCode.OK);
            data.Add(endpoint, "admin-out-of-scope", HttpStatusCode.NotFound);
            data.Add(endpoint, "organization-instructor", HttpStatusCode.OK);
            data.Add(endpoint, "contract-instructor", HttpStatusCode.OK);
            data.Add(endpoint, "instructor-of-another-class", HttpStatusCode.NotFound);
            data.Add(endpoint, "student-of-the-class", endpoint == "stored-result" ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden);
            data.Add(endpoint, "student-elsewhere", HttpStatusCode.NotFound);
            data.Add(endpoint, "anonymous", HttpStatusCode.Unauthorized);
        }
        foreach (var endpoint in new[] { "course-assignment", "revoke" })
        {
            data.Add(endpoint, "admin-in-scope", HttpStatusCode.OK);
            data.Add(endpoint, "admin-out-of-scope", HttpStatusCode.NotFound);
            data.Add(endpoint, "organization-instructor", HttpStatusCode.Forbidden);
            data.Add(endpoint, "contract-instructor", HttpStatusCode.Forbidden);
            data.Add(endpoint, "instructor-of-another-class", endpoint == "revoke" ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden);
            data.Add(endpoint, "student-of-the-class", HttpStatusCode.Forbidden);
            data.Add(endpoint, "student-elsewhere", endpoint == "revoke" ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden);
            data.Add(endpoint, "anonymous", HttpStatusCode.Unauthorized);
        }
        foreach (var (caller, status) in new[] { ("student-of-the-class", HttpStatusCode.OK), ("anonymous", HttpStatusCode.Unauthorized) })
        {
            data.Add("award", caller, status);
        }
        data.Add("award", "student-elsewhere", HttpStatusCode.NotFound);
        data.Add("award", "instructor-of-another-class", HttpStatusCode.NotFound);
        data.Add("award", "contract-instructor", HttpStatusCode.OK);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Caller_GetsTheExpectedStatus(string endpoint, string caller, HttpStatusCode expected)
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var seeded = await (await admin.PostJsonAsync($"/api/v1/classes/{world.Class.Id}/badge-issuances",
            new { badgeIds = new[] { world.Manual2.Id }, studentIds = new[] { world.StudentA1.Id } })).IsOkAsync<IssueBadgesResult>();
        User? user = caller switch
        {
            "admin-in-scope" => world.AdminRoot,
            "admin-out-of-scope" => world.AdminB,
            "organization-instructor" => world.OrgInstructor,
            "contract-instructor" => world.ContractInstructor,
            "instructor-of-another-class" => world.OtherInstructor,
            "student-of-the-class" => world.StudentA1,
            "student-elsewhere" => world.StudentOutside,
            _ => null,
        };
        var client = user is null ? app.Factory.CreateClient() : await app.ClientAsync(user);
        var classUrl = $"/api/v1/classes/{world.Class.Id}";
        var before = await DbSnapshot.TakeAsync(app.Factory);

        var response = endpoint switch
        {
            "issuable-badges" => await client.GetAsync($"{classUrl}/issuable-badges"),
            "issuable-students" => await client.GetAsync($"{classUrl}/issuable-students"),
            "issue" => await client.PostJsonAsync($"{classUrl}/badge-issuances", new { badgeIds = new[] { world.Manual.Id }, studentIds = new[] { world.StudentA2.Id } }),
            "history" => await client.GetAsync($"{classUrl}/badge-issuances"),
            "stored-result" => await client.GetAsync($"/api/v1/badge-issuances/{seeded.Id}"),
            "course-assignment" => await client.PostJsonAsync($"/api/v1/course-assignments/{world.Assignment.Id}/badge-issuances", new { badgeId = world.Manual.Id }),
            "revoke" => await client.PostJsonAsync($"/api/v1/awards/{seeded.Issued[0].AwardId}/revocation", new { reason = "Matrix" }),
            "award" => await client.GetAsync($"/api/v1/awards/{seeded.Issued[0].AwardId}"),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{endpoint} as {caller}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if (expected != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory)); // a refused call changes nothing
            return;
        }
        // A list that answers holds only what the caller may see.
        var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
        switch (endpoint)
        {
            case "issuable-students":
                var inScope = caller == "organization-instructor" ? [world.StudentA1.Id, world.StudentA2.Id, world.StudentA1x.Id] : world.ClassStudents.Select(u => u.Id).ToArray();
                Assert.Subset(inScope.ToHashSet(), json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToHashSet());
                break;
            case "issuable-badges":
                Assert.Subset(new[] { world.Manual.Id, world.Manual2.Id }.ToHashSet(), json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToHashSet());
                break;
            case "history":
                Assert.All(json.GetProperty("items").EnumerateArray(), i => Assert.Equal(world.Class.Id, i.GetProperty("classId").GetGuid()));
                break;
        }
    }
}
