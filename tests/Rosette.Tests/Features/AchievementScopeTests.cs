using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Achievements;
using Rosette.Domain.Badges;
using Rosette.Domain.Courses;
using Rosette.Domain.Users;
using Rosette.Features.Achievements;
using Rosette.Features.ApiKeys;
using Rosette.Infrastructure.Http;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// What an administrator learns through achievements of what lies outside their scope: A and B are siblings, so B's badges,
/// private courses and students are answered to AdminA exactly like ones that do not exist.
/// </summary>
public sealed class AchievementScopeTests(AppFixture app) : IClassFixture<AppFixture>
{
    private Task<Course> CourseAsync(Guid organizationId, bool openToOutsiders) => app.Factory.WithDbAsync(async db =>
    {
        var course = Course.Create($"Secret course {Guid.NewGuid():N}", organizationId, openToOutsiders, DateTime.UtcNow).Value;
        db.Courses.Add(course);
        await db.SaveChangesAsync();
        return course;
    });

    private static object CourseCompleted(Guid courseId) => new { type = "course_completed", courseId };

    /// <summary>An achievement of A made by the caller ("system-administrator", or Root's administrator), and its edit form as the caller sees it.</summary>
    private async Task<(User User, AchievementDto Achievement, PageSession Page, string Html)> EditFormOfAnAchievementOfAAsync(World world, string caller)
    {
        var user = caller == "system-administrator" ? await app.RootAsync() : world.AdminRoot;
        var achievement = await (await (await app.ClientAsync(user)).PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("lab"))))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var page = await PageSession.SignInAsync(app.Factory, user);
        var (status, html) = await page.GetAsync($"/achievements/edit/{achievement.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        return (user, achievement, page, html);
    }

    [Fact]
    public async Task Create_BadgeOfAnotherOrganization_IsUnknownBadgeLikeARandomId()
    {
        var world = await app.NewWorldAsync();
        var adminA = await app.ClientAsync(world.AdminA);
        var own = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l")))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);

        var random = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), Guid.NewGuid())))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge");
        var created = await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), world.BadgeB.Id)))
                .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge"));
        var patched = await (await adminA.PatchJsonAsync($"{Achieve.Url}/{own.Id}", new { badgeId = world.BadgeB.Id }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_badge");

        random.HasFieldError("badgeId");
        foreach (var problem in new[] { created, patched })
        {
            problem.HasFieldError("badgeId");
            Assert.Equal($"There is no badge with id '{world.BadgeB.Id}'.", problem.GetProperty("errors").GetProperty("badgeId")[0].GetString());
            Assert.DoesNotContain(world.BadgeB.Name, problem.GetRawText(), StringComparison.Ordinal);
        }
        // In the caller's scope but not for the achievement's organization: still refused with its own code.
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        await (await adminRoot.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, Achieve.LabCompleted("l"), world.BadgeB.Id)))
            .IsProblemAsync(HttpStatusCode.BadRequest, "badge_not_available");
    }

    [Fact]
    public async Task CreateAndUpdate_PrivateCourseOfAnotherOrganization_IsUnknownCourseLikeARandomId()
    {
        var world = await app.NewWorldAsync();
        var hidden = await CourseAsync(world.B.Id, openToOutsiders: false);
        var open = await CourseAsync(world.B.Id, openToOutsiders: true);
        var adminA = await app.ClientAsync(world.AdminA);

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            (await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, CourseCompleted(hidden.Id))))
                .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_course")).HasFieldError("conditions.courseId");
            var several = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id,
                    new { type = "courses_completed", courseIds = new[] { open.Id, hidden.Id }, mode = "all" })))
                .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_course");
            several.HasFieldError("conditions.courseIds[1]");
            Assert.Equal($"There is no course with id '{hidden.Id}'.", several.GetProperty("errors").GetProperty("conditions.courseIds[1]")[0].GetString());
            Assert.DoesNotContain(hidden.Name, several.GetRawText(), StringComparison.Ordinal);
        });
        var created = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, CourseCompleted(open.Id)))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        (await (await adminA.PatchJsonAsync($"{Achieve.Url}/{created.Id}", new { conditions = CourseCompleted(hidden.Id) }))
            .IsProblemAsync(HttpStatusCode.BadRequest, "unknown_course")).HasFieldError("conditions.courseId");
        // Administrators of the course's organization name it as before.
        var adminB = await app.ClientAsync(world.AdminB);
        await (await adminB.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.B.Id, CourseCompleted(hidden.Id)))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("system-administrator")]
    [InlineData("administrator-above-both")]
    public async Task CreateAndUpdate_CourseTheCallerSeesButNotTheAchievementsOrganization_IsCourseNotAvailable(string caller)
    {
        var world = await app.NewWorldAsync();
        var ofB = await CourseAsync(world.B.Id, openToOutsiders: false);
        var openOfB = await CourseAsync(world.B.Id, openToOutsiders: true);
        var ofA1 = await CourseAsync(world.A1.Id, openToOutsiders: false);
        var admin = await app.ClientAsync(caller == "system-administrator" ? await app.RootAsync() : world.AdminRoot);

        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            // An achievement of A names courses A may name, whatever else the caller sees: B's private course and Root's are refused.
            var created = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, CourseCompleted(ofB.Id))))
                .IsProblemAsync(HttpStatusCode.BadRequest, "course_not_available");
            created.HasFieldError("conditions.courseId");
            Assert.Contains(ofB.Name, created.GetRawText(), StringComparison.Ordinal);
            (await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id,
                    new { type = "courses_completed", courseIds = new[] { ofA1.Id, world.Course.Id }, mode = "any" })))
                .IsProblemAsync(HttpStatusCode.BadRequest, "course_not_available")).HasFieldError("conditions.courseIds[1]");
        });
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id,
                new { type = "courses_completed", courseIds = new[] { ofA1.Id, openOfB.Id }, mode = "all" })))
            .IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
            (await (await admin.PatchJsonAsync($"{Achieve.Url}/{achievement.Id}", new { conditions = CourseCompleted(ofB.Id) }))
                .IsProblemAsync(HttpStatusCode.BadRequest, "course_not_available")).HasFieldError("conditions.courseId"));
        // The same course in an achievement of its own organization, as before.
        await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.B.Id, CourseCompleted(ofB.Id)))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("system-administrator")]
    [InlineData("administrator-above-both")]
    public async Task EditPage_CoursePicker_OffersOnlyCoursesTheAchievementsOrganizationMayName(string caller)
    {
        var world = await app.NewWorldAsync();
        var ofB = await CourseAsync(world.B.Id, openToOutsiders: false);
        var openOfB = await CourseAsync(world.B.Id, openToOutsiders: true);
        var ofA1 = await CourseAsync(world.A1.Id, openToOutsiders: false);
        var (user, achievement, page, html) = await EditFormOfAnAchievementOfAAsync(world, caller);
        using var session = page;

        // The edit form offers what saving accepts for an achievement of A (AchievementRules.WhyNotName): A's subtree and open courses.
        Assert.Contains(ofA1.Name, html, StringComparison.Ordinal);
        Assert.Contains(openOfB.Name, html, StringComparison.Ordinal);
        Assert.DoesNotContain(ofB.Name, html, StringComparison.Ordinal);
        Assert.DoesNotContain(world.Course.Name, html, StringComparison.Ordinal); // Root's private course, above A

        // Redisplayed after a post, it follows the stored organization, not a posted one; nothing is saved.
        await DbSnapshot.UnchangedAsync(app.Factory, async () =>
        {
            using var rows = await page.PostAsync($"/achievements/edit/{achievement.Id}?handler=AddRows", [new("Form.OrganizationId", world.B.Id.ToString())]);
            var redisplayed = await rows.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
            Assert.Contains(ofA1.Name, redisplayed, StringComparison.Ordinal);
            Assert.DoesNotContain(ofB.Name, redisplayed, StringComparison.Ordinal);
        });

        // The create form, where the organization is chosen in the same form, offers every course the caller may name.
        var (_, create) = await page.GetAsync("/achievements/edit");
        Assert.Contains(ofB.Name, create, StringComparison.Ordinal);
        Assert.Contains(ofA1.Name, create, StringComparison.Ordinal);

        // A course the achievement names is offered, and selected in its row, after it stopped being open to A: saving the
        // form unchanged then refuses it beside its row (course_not_available) instead of dropping it from the condition.
        await (await (await app.ClientAsync(user)).PatchJsonAsync($"{Achieve.Url}/{achievement.Id}", new { conditions = CourseCompleted(openOfB.Id) }))
            .IsOkAsync<AchievementDto>();
        await app.Factory.WithDbAsync(db => db.Courses.Where(c => c.Id == openOfB.Id)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.EnableAchievementsForOutsideOrganizations, false)));
        var (_, stored) = await page.GetAsync($"/achievements/edit/{achievement.Id}");
        Assert.Contains($"<option value=\"{openOfB.Id}\" selected=\"selected\">", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(ofB.Name, stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("system-administrator")]
    [InlineData("administrator-above-both")]
    public async Task EditPage_BadgePicker_OffersOnlyBadgesTheAchievementsOrganizationMayAward(string caller)
    {
        var world = await app.NewWorldAsync();
        var (ofA, sharedWithA, ofA1) = await app.Factory.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var badges = (Badge.Create($"Badge of A {Guid.NewGuid():N}", "A's.", null, world.A, true, null, [], now).Value,
                Badge.Create($"Shared with A {Guid.NewGuid():N}", "Root's, available to A.", null, world.Root, true, null, [world.A], now).Value,
                Badge.Create($"Badge of A1 {Guid.NewGuid():N}", "A1's.", null, world.A1, true, null, [], now).Value);
            db.Badges.AddRange(badges.Item1, badges.Item2, badges.Item3);
            await db.SaveChangesAsync();
            return badges;
        });
        var (user, achievement, page, html) = await EditFormOfAnAchievementOfAAsync(world, caller);
        using var session = page;

        // The edit form offers what saving accepts for an achievement of A (AchievementRules.WhyNotAttach): A's badges and
        // those available to A; not Root's or B's that are not, nor a badge of A's own sub-organization A1.
        Assert.Contains(ofA.Name, html, StringComparison.Ordinal);
        Assert.Contains(sharedWithA.Name, html, StringComparison.Ordinal);
        foreach (var refused in new[] { world.Manual, world.BadgeB, ofA1 })
        {
            Assert.DoesNotContain(refused.Name, html, StringComparison.Ordinal);
            var saved = await (await app.ClientAsync(user)).PatchJsonAsync($"{Achieve.Url}/{achievement.Id}", new { badgeId = refused.Id });
            await saved.IsProblemAsync(HttpStatusCode.BadRequest, "badge_not_available");
        }

        // The create form, where the organization is chosen in the same form, offers every badge the caller may choose.
        var (_, create) = await page.GetAsync("/achievements/edit");
        foreach (var offered in new[] { ofA, sharedWithA, ofA1, world.Manual, world.BadgeB })
        {
            Assert.Contains(offered.Name, create, StringComparison.Ordinal);
        }

        // The achievement's own badge is offered, and selected, after it stopped being available to A and was archived:
        // the form shows what the achievement has, and posting it unchanged keeps it (saving checks only a changed badge).
        await (await (await app.ClientAsync(user)).PatchJsonAsync($"{Achieve.Url}/{achievement.Id}", new { badgeId = sharedWithA.Id })).IsOkAsync<AchievementDto>();
        await app.Factory.WithDbAsync(async db =>
        {
            await db.Set<BadgeAvailability>().Where(a => a.BadgeId == sharedWithA.Id).ExecuteDeleteAsync();
            await db.Badges.Where(b => b.Id == sharedWithA.Id).ExecuteUpdateAsync(b => b.SetProperty(x => x.IsArchived, true));
        });
        var (_, stored) = await page.GetAsync($"/achievements/edit/{achievement.Id}");
        Assert.Contains($"<option value=\"{sharedWithA.Id}\" selected=\"selected\">", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(world.BadgeB.Name, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NameableBy_AgreesWithMayNameCourseForEveryScope()
    {
        var world = await app.NewWorldAsync();
        Course[] courses = [world.Course, await CourseAsync(world.A1.Id, openToOutsiders: false), await CourseAsync(world.B.Id, openToOutsiders: false),
            await CourseAsync(world.B.Id, openToOutsiders: true), await CourseAsync(world.Contoso.Id, openToOutsiders: false)];
        var paths = new[] { world.Root, world.A, world.A1, world.B, world.Contoso }.ToDictionary(o => o.Id, o => o.Path);
        var ids = courses.Select(c => c.Id).ToList();
        Actor[] actors =
        [
            Actor.System, new(world.AdminA.Id, UserRole.Administrator, world.A.Id, world.A.Path, false),
            new(world.AdminB.Id, UserRole.Administrator, world.B.Id, world.B.Path, false), new(world.StudentA1.Id, UserRole.Student, world.A.Id, world.A.Path, false),
        ];

        foreach (var actor in actors)
        {
            var inSql = await app.Factory.WithDbAsync(db => db.Courses.NameableBy(db, actor).Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync());
            var byRule = courses.Where(c => actor.IsAdministrator && AchievementRules.MayNameCourse(paths[c.OrganizationId], c.EnableAchievementsForOutsideOrganizations, actor.ScopePath));

            Assert.Equal(byRule.Select(c => c.Id).Order(), inSql.Order());
        }
        Assert.Equal(new[] { courses[1].Id, courses[3].Id }.Order(), courses.Where(c => AchievementRules.MayNameCourse(paths[c.OrganizationId], c.EnableAchievementsForOutsideOrganizations, world.A.Path)).Select(c => c.Id).Order());
    }

    [Fact]
    public async Task PostEvents_PrivateCourseOfAnotherOrganization_IsUnknownCourseAlsoForAnApiKey()
    {
        var world = await app.NewWorldAsync();
        var hidden = await CourseAsync(world.B.Id, openToOutsiders: false);
        var open = await CourseAsync(world.B.Id, openToOutsiders: true);
        var adminA = await app.ClientAsync(world.AdminA);
        var secret = (await (await adminA.PostJsonAsync("/api/v1/api-keys", new { name = "LMS", organizationId = world.A.Id, permissions = new[] { "post_activity_events" } }))
            .IsOkAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Secret;
        var key = app.Factory.CreateClient();
        key.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

        foreach (var (sender, prefix) in new[] { (adminA, "admin"), (key, "key") })
        {
            var result = await (await sender.PostJsonAsync(Achieve.EventsUrl, new[]
                {
                    Achieve.Event($"{prefix}-hidden", world.StudentA1.Id, "course_completed", hidden.Id.ToString()),
                    Achieve.Event($"{prefix}-random", world.StudentA1.Id, "course_completed", Guid.NewGuid().ToString()),
                    Achieve.Event($"{prefix}-open", world.StudentA1.Id, "course_completed", open.Id.ToString()),
                    Achieve.Event($"{prefix}-root", world.StudentA1.Id, "course_completed", world.Course.Id.ToString()),
                }))
                .IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);

            Assert.Equal(["unknown_course", "unknown_course", "accepted", "unknown_course"], result.Events.Select(e => e.Code ?? e.Outcome.ToString().ToLowerInvariant()));
            Assert.Equal(result.Events[1].Message, result.Events[0].Message);
        }
        Assert.Equal(2, await app.Factory.WithDbAsync(db => db.ActivityEvents.CountAsync(e => e.UserId == world.StudentA1.Id)));
    }

    [Fact]
    public async Task Progress_CourseTheViewerMayNotName_IsShownByItsIdOnly()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var course = await CourseAsync(world.B.Id, openToOutsiders: true);
        var adminA = await app.ClientAsync(world.AdminA);
        await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, CourseCompleted(course.Id), name: "West's course"))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var adminB = await app.ClientAsync(world.AdminB);
        await (await adminB.PatchJsonAsync($"/api/v1/courses/{course.Id}", new { enableAchievementsForOutsideOrganizations = false })).IsOkAsync<JsonElement>();

        async Task<string> SummaryAsync(HttpClient client) =>
            Assert.Single((await (await client.GetAsync($"/api/v1/users/{world.StudentA1.Id}/achievement-progress")).IsOkAsync<UserProgressDto>())
                .Achievements, a => a.Name == "West's course").Progress.Summary;

        Assert.Equal($"Complete the course {course.Id}", await SummaryAsync(adminA));
        Assert.Equal($"Complete the course {course.Id}", await SummaryAsync(await app.ClientAsync(world.StudentA1)));
        Assert.Equal($"Complete the course {course.Name}", await SummaryAsync(await app.ClientAsync(world.AdminRoot)));
    }

    [Fact]
    public async Task Earners_StudentOutsideTheCallersScope_IsNeitherListedNorCounted()
    {
        var world = await app.NewWorldAsync();
        await Achieve.EnableAsync(app.Factory, world);
        var course = await CourseAsync(world.B.Id, openToOutsiders: true);
        var adminA = await app.ClientAsync(world.AdminA);
        var achievement = await (await adminA.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.A.Id, CourseCompleted(course.Id)))).IsOkAsync<AchievementDto>(HttpStatusCode.Created);
        var adminRoot = await app.ClientAsync(world.AdminRoot);
        await (await adminRoot.PostJsonAsync(Achieve.EventsUrl, new[]
            {
                Achieve.Event("a1", world.StudentA1.Id, "course_completed", course.Id.ToString()),
                Achieve.Event("b1", world.StudentB1.Id, "course_completed", course.Id.ToString()),
            }))
            .IsOkAsync<PostActivityEventsResult>(HttpStatusCode.Accepted);
        await Achieve.SettledAsync(app.Factory);
        Assert.Equal(2, (await Achieve.EarningsAsync(app.Factory, achievement.Id)).Count);

        var seenByA = await (await adminA.GetAsync($"{Achieve.Url}/{achievement.Id}/earners?pageSize=1")).IsOkAsync<Paged<AchievementEarner>>();
        var searched = await (await adminA.GetAsync($"{Achieve.Url}/{achievement.Id}/earners?search={Uri.EscapeDataString(world.StudentB1.Email)}")).IsOkAsync<Paged<AchievementEarner>>();
        var seenByRoot = await (await adminRoot.GetAsync($"{Achieve.Url}/{achievement.Id}/earners")).IsOkAsync<Paged<AchievementEarner>>();

        Assert.Equal((world.StudentA1.Id, 1), (Assert.Single(seenByA.Items).UserId, seenByA.Total));
        Assert.Equal((0, 0), (searched.Items.Count, searched.Total));
        Assert.Equal(new[] { world.StudentA1.Id, world.StudentB1.Id }.Order(), seenByRoot.Items.Select(e => e.UserId).Order());
        Assert.Equal(2, seenByRoot.Total);
    }
}
