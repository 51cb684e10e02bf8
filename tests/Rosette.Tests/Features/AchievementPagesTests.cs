using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Features.Achievements;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>The achievement pages over HTTP: signed in with a cookie, forms posted with the antiforgery token.</summary>
public sealed class AchievementPagesTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task EditPage_AdministratorCreatesWithConditionRows_SavesAndShowsTheJson()
    {
        var world = await app.NewWorldAsync();
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        var (status, html) = await page.GetAsync("/achievements/edit");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(world.Course.Name, html, StringComparison.Ordinal);

        var response = await page.PostAsync("/achievements/edit", new Dictionary<string, string>
        {
            ["Form.OrganizationId"] = world.Root.Id.ToString(),
            ["Form.Name"] = "Lab and course",
            ["Form.Points"] = "15",
            ["Form.Frequency"] = "1",
            ["Form.FrequencyType"] = "PerUser",
            ["Form.BadgeId"] = world.Manual.Id.ToString(),
            ["Form.Enabled"] = "true",
            ["Form.Combinator"] = "all",
            ["Form.Rows[0].Type"] = "lab_completed",
            ["Form.Rows[0].Subject"] = "lab-7",
            ["Form.Rows[1].Type"] = "courses_completed",
            ["Form.Rows[1].CourseIds"] = world.Course.Id.ToString(),
            ["Form.Rows[1].Mode"] = "all",
            ["Form.Rows[2].Type"] = "",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var created = await app.Factory.WithDbAsync(db => db.Achievements.SingleAsync(a => a.Name == "Lab and course" && a.OrganizationId == world.Root.Id));
        Assert.Equal($"/achievements/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal((15, world.Manual.Id), (created.Points, created.BadgeId));
        Assert.Equal(
            $$"""{"type":"all","conditions":[{"type":"lab_completed","labId":"lab-7"},{"type":"courses_completed","courseIds":["{{world.Course.Id}}"],"mode":"all"}]}""",
            Rosette.Domain.Achievements.ConditionJson.Serialize(created.Conditions));
        var (_, details) = await page.GetAsync($"/achievements/{created.Id}");
        Assert.Contains("&quot;labId&quot;: &quot;lab-7&quot;", details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditPage_InvalidRowOrJson_ShowsTheProblemsAndSavesNothing()
    {
        var world = await app.NewWorldAsync();
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        await page.GetAsync("/achievements/edit");
        var name = $"Invalid {Guid.NewGuid():N}";

        var rows = await page.PostAsync("/achievements/edit", new Dictionary<string, string>
        {
            ["Form.OrganizationId"] = world.Root.Id.ToString(), ["Form.Name"] = name, ["Form.FrequencyType"] = "PerUser", ["Form.Frequency"] = "1",
            ["Form.Rows[0].Type"] = "courses_completed", ["Form.Rows[0].Mode"] = "at_least",
        });
        var json = await page.PostAsync("/achievements/edit?handler=Json", new Dictionary<string, string>
        {
            ["Form.OrganizationId"] = world.Root.Id.ToString(), ["Form.Name"] = name, ["Form.FrequencyType"] = "PerUser", ["Form.Frequency"] = "1",
            ["ConditionsJson"] = """{"type":"exam_passed"}""",
        });

        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        var rowsHtml = await rows.Content.ReadAsStringAsync();
        Assert.Contains("data-field=\"conditions.courseIds\"", rowsHtml, StringComparison.Ordinal);
        Assert.Contains("class=\"field-error\"", rowsHtml, StringComparison.Ordinal);
        Assert.Contains("data-field=\"conditions.learningPathId\"", await json.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await app.Factory.WithDbAsync(db => db.Achievements.AnyAsync(a => a.Name == name)));
    }

    [Fact]
    public async Task EditPage_NestedConditions_AreEditedAsJson()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var nested = new { type = "all", conditions = new object[] { Achieve.LabCompleted("a"), new { type = "any", conditions = new[] { Achieve.LabCompleted("b"), Achieve.LabCompleted("c") } } } };
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, nested))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        var (status, html) = await page.GetAsync($"/achievements/edit/{achievement.Id}");
        var saved = await page.PostAsync($"/achievements/edit/{achievement.Id}?handler=Json", new Dictionary<string, string>
        {
            ["Form.OrganizationId"] = world.Root.Id.ToString(), ["Form.Name"] = "Nested", ["Form.FrequencyType"] = "PerUser", ["Form.Frequency"] = "1", ["Form.Enabled"] = "true",
            ["ConditionsJson"] = """{"type":"any","conditions":[{"type":"exam_passed","learningPathId":"lp"},{"type":"all","conditions":[{"type":"lab_launched","labId":"x"}]}]}""",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("nested more deeply than this form edits", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var stored = await app.Factory.WithDbAsync(db => db.Achievements.SingleAsync(a => a.Id == achievement.Id));
        Assert.Equal("Nested", stored.Name);
        Assert.IsType<Rosette.Domain.Achievements.AnyOf>(stored.Conditions);
    }

    [Fact]
    public async Task ListPage_DisableAndEnable_PostedWithTheAntiforgeryToken()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("a"), name: $"Listed {Guid.NewGuid():N}")))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);
        var (status, html) = await page.GetAsync($"/achievements?search={achievement.Name}");

        var forged = await page.PostAsync($"/achievements?handler=Disable&id={achievement.Id}", [], withToken: false);
        var disabled = await page.PostAsync($"/achievements?handler=Disable&id={achievement.Id}", []);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(achievement.Name, html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, disabled.StatusCode);
        Assert.False(await app.Factory.WithDbAsync(db => db.Achievements.Where(a => a.Id == achievement.Id).Select(a => a.IsEnabled).SingleAsync()));
    }

    [Fact]
    public async Task DetailsPage_ShowsWhoEarnedIt()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("a")))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        await admin.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event("e1", world.StudentA1.Id, "lab_completed", "a") });
        await Achieve.SettledAsync(app.Factory);
        using var page = await PageSession.SignInAsync(app.Factory, world.AdminRoot);

        var (status, html) = await page.GetAsync($"/achievements/{achievement.Id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(world.StudentA1.Email, html, StringComparison.Ordinal);
        Assert.Contains("1 student", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProgressPage_Student_SeesHowFarTheyAre()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var admin = await app.ClientAsync(world.AdminRoot);
        var second = await app.Factory.WithDbAsync(async db =>
        {
            var course = Rosette.Domain.Courses.Course.Create($"Second {Guid.NewGuid():N}", world.Root.Id, false, DateTime.UtcNow).Value;
            db.Courses.Add(course);
            await db.SaveChangesAsync();
            return course.Id;
        });
        await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, new { type = "courses_completed", courseIds = new[] { world.Course.Id, second }, mode = "all" }, name: "Two courses"));
        await admin.PostJsonAsync(Achieve.EventsUrl, new[] { Achieve.Event("c1", world.StudentA1.Id, "course_completed", world.Course.Id.ToString()) });
        await Achieve.SettledAsync(app.Factory);
        using var student = await PageSession.SignInAsync(app.Factory, world.StudentA1);

        var (status, html) = await student.GetAsync("/achievements/progress");
        var (forbidden, _) = await student.GetAsync("/achievements");
        var (other, _) = await student.GetAsync($"/achievements/progress?userId={world.StudentA2.Id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Two courses", html, StringComparison.Ordinal);
        Assert.Contains("1 of 2 courses completed", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal(HttpStatusCode.NotFound, other);
    }
}
