using System.Net;
using Rosette.Domain.Users;
using Rosette.Features.Achievements;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>Every achievement endpoint against every kind of caller: administrators in and out of scope, instructors, students, anonymous.</summary>
public sealed class AchievementsAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly string[] Callers = ["admin-in-scope", "admin-out-of-scope", "instructor", "student", "other-student", "anonymous"];

    public static TheoryData<string, string, HttpStatusCode> Matrix()
    {
        var data = new TheoryData<string, string, HttpStatusCode>();
        var managed = new Dictionary<string, HttpStatusCode>
        {
            ["create"] = HttpStatusCode.Created, ["list"] = HttpStatusCode.OK, ["get"] = HttpStatusCode.OK, ["update"] = HttpStatusCode.OK,
            ["enable"] = HttpStatusCode.OK, ["disable"] = HttpStatusCode.OK, ["earners"] = HttpStatusCode.OK, ["delete"] = HttpStatusCode.NoContent,
        };
        foreach (var (endpoint, ok) in managed)
        {
            data.Add(endpoint, "admin-in-scope", ok);
            data.Add(endpoint, "admin-out-of-scope", endpoint == "list" ? HttpStatusCode.OK : HttpStatusCode.NotFound);
            data.Add(endpoint, "instructor", HttpStatusCode.Forbidden);
            data.Add(endpoint, "student", HttpStatusCode.Forbidden);
            data.Add(endpoint, "anonymous", HttpStatusCode.Unauthorized);
        }
        foreach (var (caller, status) in new[]
        {
            ("admin-in-scope", HttpStatusCode.OK), ("admin-out-of-scope", HttpStatusCode.NotFound), ("instructor", HttpStatusCode.Forbidden),
            ("student", HttpStatusCode.OK), ("other-student", HttpStatusCode.NotFound), ("anonymous", HttpStatusCode.Unauthorized),
        })
        {
            data.Add("progress", caller, status);
        }
        foreach (var (caller, status) in new[]
        {
            ("admin-in-scope", HttpStatusCode.Accepted), ("admin-out-of-scope", HttpStatusCode.Accepted), ("instructor", HttpStatusCode.Forbidden),
            ("student", HttpStatusCode.Forbidden), ("anonymous", HttpStatusCode.Unauthorized),
        })
        {
            data.Add("post-events", caller, status);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Caller_GetsTheExpectedStatus(string endpoint, string caller, HttpStatusCode expected)
    {
        Assert.Contains(caller, Callers);
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"))))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        User? user = caller switch
        {
            "admin-in-scope" => world.AdminRoot,
            "admin-out-of-scope" => world.AdminB,
            "instructor" => world.OrgInstructor,
            "student" => world.StudentA1,
            "other-student" => world.StudentA2,
            _ => null,
        };
        var client = user is null ? app.Factory.CreateClient() : await app.ClientAsync(user);
        var url = $"{Achieve.Url}/{achievement.Id}";
        var before = await DbSnapshot.TakeAsync(app.Factory);

        var response = endpoint switch
        {
            "create" => await client.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-2"))),
            "list" => await client.GetAsync(Achieve.Url),
            "get" => await client.GetAsync(url),
            "update" => await client.PatchJsonAsync(url, new { name = "Renamed" }),
            "enable" => await client.PostAsync($"{url}/enable", null),
            "disable" => await client.PostAsync($"{url}/disable", null),
            "earners" => await client.GetAsync($"{url}/earners"),
            "delete" => await client.DeleteAsync(url),
            "progress" => await client.GetAsync($"/api/v1/users/{world.StudentA1.Id}/achievement-progress"),
            "post-events" => await client.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "lab-1") }),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{endpoint} as {caller}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if ((int)expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(before, await DbSnapshot.TakeAsync(app.Factory)); // a refused call changes nothing
        }
        if (endpoint == "list" && expected == HttpStatusCode.OK)
        {
            // Only achievements of the caller's scope: AdminB (organization B) sees none of the root's.
            var ids = (await response.ReadAsync<Rosette.Infrastructure.Http.Paged<AchievementDto>>()).Items.Select(a => a.Id).ToList();
            Assert.Equal(caller == "admin-in-scope", ids.Contains(achievement.Id));
        }
        if (endpoint == "post-events" && expected == HttpStatusCode.Accepted)
        {
            // Out of scope, the user does not exist for the caller: the event is rejected, not stored.
            var outcome = Assert.Single((await response.ReadAsync<PostActivityEventsResult>()).Events);
            Assert.Equal(caller == "admin-in-scope" ? (EventOutcomeKind.Accepted, null) : (EventOutcomeKind.Rejected, "unknown_user"), (outcome.Outcome, outcome.Code));
        }
    }
}
