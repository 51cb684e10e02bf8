using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Domain.Badges;
using Rosette.Features.Achievements;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

public sealed class AchievementsApiTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Create_ValidAchievement_StoresItAndAnswersWithItsConditions()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var conditions = new { type = "all", conditions = new object[] { Achieve.LabCompleted("lab-1"), new { type = "courses_completed", courseIds = new[] { world.Course.Id }, mode = "at_least", count = 1 } } };

        var created = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, conditions, world.Manual.Id, points: 25, frequency: 3, frequencyType: "per_day", name: "Lab and course")))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);

        Assert.Equal(("Lab and course", 25, 3, Rosette.Domain.Achievements.FrequencyType.PerDay, true, world.Manual.Id), (created.Name, created.Points, created.Frequency, created.FrequencyType, created.Enabled, created.BadgeId));
        Assert.Equal("at_least", created.Conditions.GetProperty("conditions")[1].GetProperty("mode").GetString());
        var stored = await (await admin.GetAsync($"{Achieve.Url}/{created.Id}")).IsOkAsync<JsonElement>();
        Assert.Equal("per_day", stored.GetProperty("frequencyType").GetString());
        Assert.Equal(world.Course.Id.ToString(), stored.GetProperty("conditions").GetProperty("conditions")[1].GetProperty("courseIds")[0].GetString());
    }

    [Fact]
    public async Task Create_InvalidConditions_Returns400WithEveryProblemAtItsPath()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var conditions = new
        {
            type = "any",
            conditions = new object[]
            {
                new { type = "lab_complete", labId = "x" },
                new { type = "courses_completed", courseIds = new[] { "not-a-uuid" }, mode = "all" },
                new { type = "courses_completed", courseIds = new[] { world.Course.Id }, mode = "at_least" },
                new { type = "points_at_least", points = 0 },
                new { type = "lab_launched", labID = "x" },
            },
        };

        var problem = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, conditions))).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions");

        problem.HasFieldError("conditions.conditions[0].type");
        problem.HasFieldError("conditions.conditions[1].courseIds[0]");
        problem.HasFieldError("conditions.conditions[2].count");
        problem.HasFieldError("conditions.conditions[3].points");
        problem.HasFieldError("conditions.conditions[4].labID");
        problem.HasFieldError("conditions.conditions[4].labId");
    }

    [Fact]
    public async Task CreateAndUpdate_NumberOfTheWrongJsonType_Returns400AtItsPath()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var created = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("l")))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        object?[] wrong = ["5", null, true, new[] { 5 }, new { n = 5 }];

        foreach (var value in wrong)
        {
            var points = new { type = "points_at_least", points = value };
            var count = new { type = "courses_completed", courseIds = new[] { world.Course.Id }, mode = "at_least", count = value };
            (await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, points))).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions"))
                .HasFieldError("conditions.points");
            (await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, count))).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions"))
                .HasFieldError("conditions.count");
            (await (await admin.PatchJsonAsync($"{Achieve.Url}/{created.Id}", new { conditions = new { type = "any", conditions = new object[] { points } } }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions")).HasFieldError("conditions.conditions[0].points");
            (await (await admin.PatchJsonAsync($"{Achieve.Url}/{created.Id}", new { conditions = count })).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions"))
                .HasFieldError("conditions.count");
        }
    }

    [Fact]
    public async Task Create_UnknownCourseOrMissingConditions_AreClear400s()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        var unknown = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, new { type = "course_completed", courseId = Guid.NewGuid() })))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_course");
        unknown.HasFieldError("conditions.courseId");
        var missing = await (await admin.PostJsonAsync(Achieve.Url, new { organizationId = world.Root.Id, name = "No conditions" })).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_conditions");
        missing.HasFieldError("conditions");
        var several = await (await admin.PostJsonAsync(Achieve.Url, new { organizationId = world.Root.Id, name = "", points = -1, conditions = Achieve.LabCompleted("l") }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        several.HasFieldError("name");
        several.HasFieldError("points");
        await (await admin.PostJsonAsync(Achieve.Url, new { organizationId = world.Root.Id, frequencyType = "hourly" })).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Create_BadgeRule_OwnOrAvailableBadgesOnly()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var availableToA = await app.Factory.WithDbAsync(async db =>
        {
            var badge = Badge.Create($"Shared {Guid.NewGuid():N}", "Shared with A.", null, world.Root, true, null, [world.A], DateTime.UtcNow).Value;
            db.Badges.Add(badge);
            await db.SaveChangesAsync();
            return badge.Id;
        });

        await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), availableToA))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        (await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), world.Manual.Id)))
            .IsProblemAsync(HttpStatusCode.BadRequest, "badge_not_available")).HasFieldError("badgeId");
        await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.B.Id, Achieve.LabCompleted("l"), availableToA))).IsProblemAsync(HttpStatusCode.BadRequest, "badge_not_available");
        await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("l"), world.Archived.Id))).IsProblemAsync(HttpStatusCode.BadRequest, "badge_archived");
        await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("l"), Guid.NewGuid()))).IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge");
    }

    [Fact]
    public async Task UpdateEnableDisableDelete_ChangeTheAchievement()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var created = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("l"), world.Manual.Id)))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var url = $"{Achieve.Url}/{created.Id}";

        var updated = await (await admin.PatchJsonAsync(url, new { name = "Renamed", removeBadge = true, conditions = new { type = "exam_passed", learningPathId = "lp-1" } })).IsOkAsync<AchievementDto>();
        var disabled = await (await admin.PostAsync($"{url}/disable", null)).IsOkAsync<AchievementDto>();
        var listed = await (await admin.GetAsync($"{Achieve.Url}?enabled=false&organizationId={world.Root.Id}")).IsOkAsync<Rosette.Infrastructure.Http.Paged<AchievementDto>>();

        Assert.Equal(("Renamed", (Guid?)null, "exam_passed"), (updated.Name, updated.BadgeId, updated.Conditions.GetProperty("type").GetString()));
        Assert.False(disabled.Enabled);
        Assert.Equal(created.Id, Assert.Single(listed.Items).Id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(url)).StatusCode);
        await (await admin.GetAsync(url)).IsProblemAsync(HttpStatusCode.NotFound, "achievement_not_found");
    }

    [Fact]
    public async Task EveryChange_IsAuditedWithWhatChanged_AndARefusedOrEmptyChangeWritesNothing()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var created = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("l"), world.Manual.Id, points: 5, frequencyType: "per_day")))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var url = $"{Achieve.Url}/{created.Id}";

        (await admin.PatchJsonAsync(url, new { name = "Renamed", points = 7, description = "New text", conditions = Achieve.LabCompleted("m") })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync(url, new { name = "Renamed", points = 7 })).EnsureSuccessStatusCode();
        (await admin.PostAsync($"{url}/disable", null)).EnsureSuccessStatusCode();
        (await admin.PostAsync($"{url}/disable", null)).EnsureSuccessStatusCode();
        // Refused: another organization's administrator, and a change that breaks a rule.
        var adminB = await app.ClientAsync(world.AdminB);
        await (await adminB.PatchJsonAsync(url, new { name = "Stolen" })).IsProblemAsync(HttpStatusCode.NotFound, "achievement_not_found");
        await (await adminB.DeleteAsync(url)).IsProblemAsync(HttpStatusCode.NotFound, "achievement_not_found");
        await (await admin.PatchJsonAsync(url, new { name = "Bad", points = -1 })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(url)).StatusCode);

        var entries = await app.Factory.WithDbAsync(db => db.AuditEntries.AsNoTracking().Where(e => e.EntityId == created.Id).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([AuditKind.AchievementCreated, AuditKind.AchievementUpdated, AuditKind.AchievementUpdated, AuditKind.AchievementDeleted], entries.Select(e => e.Kind));
        Assert.All(entries, e => Assert.Equal((world.AdminRoot.Id, world.Root.Id), (e.ActorId, e.OrganizationId)));
        var made = JsonDocument.Parse(entries[0].Data!).RootElement;
        Assert.Equal((5, "per_day", world.Manual.Id), (made.GetProperty("points").GetInt32(), made.GetProperty("frequencyType").GetString(), made.GetProperty("badgeId").GetGuid()));
        var edit = JsonDocument.Parse(entries[1].Data!).RootElement;
        Assert.Equal(["name", "description", "points", "conditions"], edit.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[5,7]", edit.GetProperty("points").GetRawText());
        Assert.Equal("[\"(changed)\"]", edit.GetProperty("conditions").GetRawText());
        Assert.Equal("Updated achievement 'Renamed': name, description, points, conditions", entries[1].Summary);
        Assert.Equal("[true,false]", JsonDocument.Parse(entries[2].Data!).RootElement.GetProperty("enabled").GetRawText());
        Assert.Equal("Deleted achievement 'Renamed'", entries[3].Summary);
        // The audit log's API knows the new kinds by name.
        var listed = await (await admin.GetAsync($"/api/v1/audit-entries?kind=achievement_updated&organizationId={world.Root.Id}")).IsOkAsync<JsonElement>();
        Assert.Equal(2, listed.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task PostEvents_MixedBatch_ReportsOneOutcomePerEventAndStoresTheAccepted()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var student = world.StudentA1.Id;
        await (await admin.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event("earlier", student, "lab_launched", "lab-1") })).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
        object[] events =
        [
            Achieve.Event("ok-1", student, "lab_completed", "lab-1", score: 87.5),
            Achieve.Event("earlier", student, "lab_launched", "lab-1"),
            Achieve.Event("ok-1", student, "lab_completed", "lab-1"),
            Achieve.Event("", student, "lab_completed", "lab-1"),
            Achieve.Event("no-user", Guid.NewGuid(), "lab_completed", "lab-1"),
            Achieve.Event("bad-type", student, "lab_finished", "lab-1"),
            Achieve.Event("no-subject", student, "lab_completed", ""),
            Achieve.Event("no-course", student, "course_completed", Guid.NewGuid().ToString()),
            Achieve.Event("future", student, "exam_passed", "lp", DateTime.UtcNow.AddDays(1)),
            new { id = "no-zone", userId = student, type = "exam_passed", subjectId = "lp", occurredAt = "2026-01-01T10:00:00" },
            new { id = "bad-score", userId = student, type = "exam_passed", subjectId = "lp", occurredAt = "2026-01-01T10:00:00Z", score = "high" },
            "not an object",
            new { id = 42, userId = student, type = "exam_passed", subjectId = "lp", occurredAt = "2026-01-01T10:00:00+02:00" },
        ];

        var result = await (await admin.PostJsonAsync(Achieve.EventsUrl, events)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);

        Assert.Equal((2, 2, 9), (result.Accepted, result.Duplicates, result.Rejected));
        Assert.Equal(
            ["accepted", "duplicate", "duplicate", "invalid_id", "unknown_user", "invalid_type", "invalid_subject", "unknown_course", "occurred_in_future",
             "invalid_occurred_at", "invalid_score", "invalid_event", "accepted"],
            result.Events.Select(e => e.Code ?? e.Outcome.ToString().ToLowerInvariant()));
        Assert.All(result.Events.Where(e => e.Code is not null), e => Assert.False(string.IsNullOrEmpty(e.Message)));
        var stored = await app.Factory.WithDbAsync(db => db.ActivityEvents.Where(e => e.UserId == student).OrderBy(e => e.Seq).ToListAsync());
        Assert.Equal(["earlier", "ok-1", "42"], stored.Select(e => e.ExternalId));
        Assert.Equal(87.5, stored[1].Score);
        Assert.Equal(new DateTime(2026, 1, 1, 8, 0, 0, DateTimeKind.Utc), stored[2].OccurredAt);
    }

    [Fact]
    public async Task PostEvents_MalformedRequests_AreProblems()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);

        await (await admin.PostJsonAsync(Achieve.EventsUrl, Array.Empty<object>())).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await admin.PostJsonAsync(Achieve.EventsUrl, new { events = Array.Empty<object>() })).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var tooMany = Enumerable.Range(0, 10_001).Select(i => new { id = $"{i}" }).ToArray();
        await (await admin.PostJsonAsync(Achieve.EventsUrl, tooMany)).IsProblemAsync(HttpStatusCode.BadRequest, "batch_too_large");
        using var broken = new StringContent("[{\"id\": ", System.Text.Encoding.UTF8, "application/json");
        await (await admin.PostAsync(Achieve.EventsUrl, broken)).IsProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        foreach (var body in new[] { "null", "\"events\"", "42", "{\"id\": \"e-1\"}" })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            await (await admin.PostAsync(Achieve.EventsUrl, content)).IsProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }
        Assert.Equal(0, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.PostedById == world.AdminRoot.Id)));
    }

    /// <summary>The OpenAPI document describes the body as sent, an array of events, not the type that reads it (ActivityEventBatch).</summary>
    [Fact]
    public async Task OpenApi_ActivityEvents_BodyIsAnArrayOfEvents()
    {
        var document = JsonDocument.Parse(await app.Factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;

        var schema = document.GetProperty("paths").GetProperty(Achieve.EventsUrl).GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");

        Assert.Equal("array", schema.GetProperty("type").GetString());
        Assert.Equal("#/components/schemas/ActivityEventDto", schema.GetProperty("items").GetProperty("$ref").GetString());
        var properties = document.GetProperty("components").GetProperty("schemas").GetProperty("ActivityEventDto").GetProperty("properties");
        Assert.Equal(["id", "userId", "type", "subjectId", "occurredAt", "score"], properties.EnumerateObject().Select(p => p.Name));
    }

    /// <summary>
    /// The body is read in one pass (ActivityEventBatch): a member given twice counts as its last value, unknown members of
    /// any shape are passed over, ids written as numbers are kept as written, and a member of the wrong kind is missing.
    /// </summary>
    [Fact]
    public async Task PostEvents_MembersAsWritten_EachEventJudgedOnItsOwn()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var student = world.StudentA1.Id;
        var at = DateTime.UtcNow.AddMinutes(-1).ToString("O");
        var body = $$"""
            [
              {"id": "first", "id": "twice", "userId": "{{Guid.NewGuid()}}", "userId": "{{student}}", "type": "lab_launched", "subjectId": "lab-1", "occurredAt": "{{at}}", "score": "x", "score": 5},
              {"extra": {"nested": [1, {"id": "inner"}]}, "id": 1e3, "userId": "{{student}}", "type": "lab_launched", "subjectId": 7, "occurredAt": "{{at}}", "score": null},
              {"id": {"value": "object"}, "userId": "{{student}}", "type": "lab_launched", "subjectId": "lab-1", "occurredAt": "{{at}}"},
              {"id": "number-user", "userId": 12, "type": "lab_launched", "subjectId": "lab-1", "occurredAt": "{{at}}"},
              {"id": "true-score", "userId": "{{student}}", "type": "lab_launched", "subjectId": "lab-1", "occurredAt": "{{at}}", "score": true},
              {"id": "array-type", "userId": "{{student}}", "type": ["lab_launched"], "subjectId": "lab-1", "occurredAt": "{{at}}"},
              [1, 2],
              {"id": "Twice", "userId": "{{student}}", "type": "lab_launched", "subjectId": "lab-1", "occurredAt": "{{at}}", "score": 5, "score": "x"}
            ]
            """;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var result = await (await admin.PostAsync(Achieve.EventsUrl, content)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);

        Assert.Equal(
            ["accepted", "accepted", "invalid_id", "unknown_user", "invalid_score", "invalid_type", "invalid_event", "invalid_score"],
            result.Events.Select(e => e.Code ?? e.Outcome.ToString().ToLowerInvariant()));
        Assert.Equal(["twice", "1e3", null, "number-user", "true-score", "array-type", null, "Twice"], result.Events.Select(e => e.Id));
        var stored = await app.Factory.WithDbAsync(db => db.ActivityEvents.Where(e => e.UserId == student).OrderBy(e => e.Seq).ToListAsync());
        Assert.Equal([("twice", "lab-1", (double?)5), ("1e3", "7", null)], stored.Select(e => (e.ExternalId, e.SubjectId, e.Score)));
    }

    [Fact]
    public async Task PostEvents_TenThousandEvents_AreAllStoredBeforeTheAnswer()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var events = Enumerable.Range(0, 10_000).Select(i => Achieve.Event($"bulk-{i}", world.StudentA2.Id, "lab_launched", $"lab-{i % 50}")).ToArray();

        var result = await (await admin.PostJsonAsync(Achieve.EventsUrl, events)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
        var again = await (await admin.PostJsonAsync(Achieve.EventsUrl, events)).IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);

        Assert.Equal(10_000, result.Accepted);
        Assert.Equal(10_000, again.Duplicates);
        Assert.Equal(10_000, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.UserId == world.StudentA2.Id)));
    }
}
