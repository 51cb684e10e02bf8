using System.Net;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain.Audit;
using Rosette.Features.ApiKeys;
using Rosette.Features.SingleSignOn;
using Rosette.Features.Webhooks;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// One change asked for many times at once (a double click, a client's retry): it happens once, with one audit entry; every
/// other request is told how things then stand (404 or 409), and none fails with a server error.
/// </summary>
public sealed class ConcurrentRepeatsTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const int Repeats = 16;

    [Fact]
    public async Task DeletingAWebhookEndpoint_ManyTimesAtOnce_DeletesItOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var endpoint = await (await admin.PostJsonAsync("/api/v1/webhook-endpoints", new
        {
            organizationId = world.A.Id, url = "https://hooks.example.com/rosette", events = new[] { "award.expired" },
        })).IsOkAsync<WebhookEndpointDto>(HttpStatusCode.Created);

        await RepeatAsync(world, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/webhook-endpoints/{endpoint.Id}"),
            HttpStatusCode.NoContent, HttpStatusCode.NotFound, AuditKind.WebhookEndpointDeleted, endpoint.Id);
    }

    [Fact]
    public async Task DeletingASignInConnection_ManyTimesAtOnce_DeletesItOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var connection = await (await admin.PostJsonAsync("/api/v1/sign-in-connections", new
        {
            organizationId = world.A.Id, displayName = "Campus", issuer = "https://idp.example.com", clientId = "c", clientSecret = "s",
            emailDomains = new[] { $"{Guid.NewGuid():N}.example.com" }, createUsers = false, createdUserRole = "student", allowPasswords = true,
        })).IsOkAsync<SignInConnectionDto>(HttpStatusCode.Created);

        await RepeatAsync(world, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/sign-in-connections/{connection.Id}"),
            HttpStatusCode.NoContent, HttpStatusCode.NotFound, AuditKind.SignInConnectionDeleted, connection.Id);
    }

    [Fact]
    public async Task RevokingAnApiKey_ManyTimesAtOnce_RevokesItOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var key = (await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "Lab", organizationId = world.A.Id, permissions = new[] { "read_awards" } }))
            .IsOkAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Key;

        await RepeatAsync(world, () => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/api-keys/{key.Id}/revocation"),
            HttpStatusCode.OK, HttpStatusCode.Conflict, AuditKind.ApiKeyRevoked, key.Id);
    }

    [Fact]
    public async Task UnenrollingAStudent_ManyTimesAtOnce_UnenrollsOnce()
    {
        var world = await app.NewWorldAsync();

        await RepeatAsync(world, () => new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/classes/{world.Class.Id}/enrollments/{world.StudentA2.Id}"),
            HttpStatusCode.NoContent, HttpStatusCode.NotFound, AuditKind.StudentUnenrolled, world.Class.Id);
        Assert.False(await app.Factory.WithDbAsync(db => db.Enrollments.Where(e => e.ClassId == world.Class.Id && e.StudentId == world.StudentA2.Id).Select(e => e.IsActive).SingleAsync()));
    }

    [Fact]
    public async Task DeletingAnAchievement_ManyTimesAtOnce_DeletesItOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var achievement = await (await admin.PostJsonAsync(Achieve.Url, Achieve.Achievement(world.Root.Id, Achieve.LabCompleted("lab-1"))))
            .IsOkAsync<Rosette.Features.Achievements.AchievementDto>(HttpStatusCode.Created);

        // Achievements keep no audit entries: the count of deletions is the answers'.
        await RepeatAsync(world, () => new HttpRequestMessage(HttpMethod.Delete, $"{Achieve.Url}/{achievement.Id}"),
            HttpStatusCode.NoContent, HttpStatusCode.NotFound, null, achievement.Id);
    }

    [Fact]
    public async Task EnrollingAStudentAgain_ManyTimesAtOnce_EnrollsOnce()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        (await admin.DeleteAsync($"/api/v1/classes/{world.Class.Id}/enrollments/{world.StudentA2.Id}")).EnsureSuccessStatusCode();
        var url = $"/api/v1/classes/{world.Class.Id}/enrollments";

        var clients = await Task.WhenAll(Enumerable.Range(0, Repeats).Select(_ => app.ClientAsync(world.AdminRoot)));
        var responses = await Task.WhenAll(clients.Select(c => c.PostJsonAsync(url, new { studentIds = new[] { world.StudentA2.Id } })));

        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}"));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Equal(1, bodies.Count(b => !b.Contains("already_enrolled", StringComparison.Ordinal)));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Kind == AuditKind.StudentsEnrolled && e.EntityId == world.Class.Id)));
    }

    [Fact]
    public async Task AssigningACourse_ManyTimesAtOnce_AssignsOnce_AndTheRefusalsLogNoError()
    {
        var world = await app.NewWorldAsync();
        var admin = await app.ClientAsync(world.AdminRoot);
        var course = await (await admin.PostJsonAsync("/api/v1/courses", new { name = "Routing", organizationId = world.A.Id }))
            .IsOkAsync<Rosette.Features.Courses.CourseDto>(HttpStatusCode.Created);
        var logged = app.Logs.Lines.Count;

        // The assignment is not looked up first: the unique index refuses every write but one, and each refusal is a 409.
        var clients = await Task.WhenAll(Enumerable.Range(0, Repeats).Select(_ => app.ClientAsync(world.AdminRoot)));
        var responses = await Task.WhenAll(clients.Select(c => c.PostJsonAsync("/api/v1/course-assignments", new { courseId = course.Id, studentId = world.StudentA2.Id })));

        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.True(statuses.Count(s => s == 201) == 1 && statuses.Count(s => s == 409) == Repeats - 1, string.Join(", ", statuses));
        Assert.Equal(1, await app.Factory.WithDbAsync(db => db.CourseAssignments.CountAsync(a => a.CourseId == course.Id)));
        // A refusal the code answers is no failure: an operator's Error lines would otherwise fill with everyday 409s.
        Assert.DoesNotContain(app.Logs.Lines.Skip(logged), l => l.StartsWith("Error Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADatabaseErrorThatIsNotAUniqueRefusal_IsStillLoggedAsAnError()
    {
        var logged = app.Logs.Lines.Count;

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => app.Factory.WithDbAsync(
            db => db.Database.ExecuteSqlRawAsync("UPDATE \"NoSuchTable\" SET \"Id\" = 1")));

        Assert.Contains(app.Logs.Lines.Skip(logged), l => l.StartsWith("Error Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal)
            && l.Contains("NoSuchTable", StringComparison.OrdinalIgnoreCase));
    }

    private async Task RepeatAsync(World world, Func<HttpRequestMessage> request, HttpStatusCode done, HttpStatusCode told, AuditKind? kind, Guid entityId)
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, Repeats).Select(_ => app.ClientAsync(world.AdminRoot)));

        var responses = await Task.WhenAll(clients.Select(c => c.SendAsync(request())));

        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.True(statuses.Count(s => s == done) == 1 && statuses.Count(s => s == told) == Repeats - 1, string.Join(", ", statuses.Select(s => (int)s)));
        if (kind is not null)
        {
            Assert.Equal(1, await app.Factory.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Kind == kind && e.EntityId == entityId)));
        }
    }
}
