using System.Net;
using System.Net.Http.Json;
using Rosette.Domain.Users;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Features;

/// <summary>
/// The administration writes (classes, enrollments, instructors, courses, organizations, badges, users) as callers without
/// the right or the scope: each is refused with a problem and leaves the database as it was. 404 where the target is
/// outside what the caller sees, 403 where they see it but may not change it.
/// </summary>
public sealed class RefusedWritesAuthorizationTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Write_CallerWithoutRightOrScope_IsRefusedAndChangesNothing()
    {
        var world = await app.NewWorldAsync();
        var (cls, course, assignment) = ($"/api/v1/classes/{world.Class.Id}", $"/api/v1/courses/{world.Course.Id}", $"/api/v1/course-assignments/{world.Assignment.Id}");
        var (notFound, forbidden) = (HttpStatusCode.NotFound, HttpStatusCode.Forbidden);
        var writes = new (User Caller, HttpMethod Method, string Url, object? Body, HttpStatusCode Expected)[]
        {
            (world.AdminA, HttpMethod.Patch, cls, new { name = "x" }, notFound),
            (world.OrgInstructor, HttpMethod.Patch, cls, new { name = "x" }, forbidden),
            (world.StudentA1, HttpMethod.Patch, cls, new { name = "x" }, forbidden),
            (world.StudentOutside, HttpMethod.Patch, cls, new { name = "x" }, notFound),
            (world.AdminB, HttpMethod.Post, $"{cls}/enrollments", new { studentIds = new[] { world.StudentB1.Id } }, notFound),
            (world.ContractInstructor, HttpMethod.Post, $"/api/v1/classes/{world.OtherClass.Id}/enrollments", new { studentIds = new[] { world.StudentA2.Id } }, notFound),
            (world.OrgInstructor, HttpMethod.Post, $"{cls}/enrollments", new { studentIds = new[] { world.StudentOutside.Id } }, forbidden),
            (world.AdminA, HttpMethod.Delete, $"{cls}/enrollments/{world.StudentA1.Id}", null, notFound),
            (world.ContractInstructor, HttpMethod.Delete, $"{cls}/enrollments/{world.StudentA1.Id}", null, forbidden),
            (world.AdminB, HttpMethod.Put, $"{cls}/instructors/{world.StudentB1.Id}", new { kind = "contract" }, notFound),
            (world.OrgInstructor, HttpMethod.Delete, $"{cls}/instructors/{world.ContractInstructor.Id}", null, forbidden),
            (world.AdminA, HttpMethod.Patch, course, new { name = "x" }, notFound),
            (world.OrgInstructor, HttpMethod.Patch, course, new { name = "x" }, forbidden),
            (world.AdminA, HttpMethod.Post, "/api/v1/courses", new { name = "x", organizationId = world.B.Id }, notFound),
            (world.AdminB, HttpMethod.Patch, assignment, new { completedAt = DateTime.UtcNow }, notFound),
            (world.AdminA, HttpMethod.Patch, $"/api/v1/organizations/{world.B.Id}", new { name = "x" }, notFound),
            (world.AdminA, HttpMethod.Patch, $"/api/v1/organizations/{world.A1.Id}", new { parentId = world.B.Id }, notFound),
            (world.OrgInstructor, HttpMethod.Patch, $"/api/v1/organizations/{world.A.Id}", new { name = "x" }, forbidden),
            (world.OrgInstructor, HttpMethod.Post, "/api/v1/organizations", new { name = "x", parentId = world.A.Id }, forbidden),
            (world.AdminA, HttpMethod.Post, "/api/v1/badges", new { name = "x", description = "d", organizationId = world.Root.Id }, notFound),
            (world.OrgInstructor, HttpMethod.Post, "/api/v1/badges", new { name = "x", description = "d", organizationId = world.A.Id }, forbidden),
            (world.OrgInstructor, HttpMethod.Patch, $"/api/v1/badges/{world.Manual.Id}", new { archived = true }, forbidden),
            (world.AdminA, HttpMethod.Patch, $"/api/v1/users/{world.AdminRoot.Id}", new { isActive = false }, notFound),
            (world.OrgInstructor, HttpMethod.Patch, $"/api/v1/users/{world.StudentA1.Id}", new { firstName = "x" }, notFound),
        };

        foreach (var (caller, method, url, body, expected) in writes)
        {
            var client = await app.ClientAsync(caller);
            var response = await DbSnapshot.UnchangedAsync(app.Factory, () =>
                client.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) }));

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{method} {url} as {caller.Email}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
