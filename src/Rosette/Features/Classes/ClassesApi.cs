using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Domain.ApiKeys;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public static class ClassesApi
{
    public static RouteGroupBuilder MapClassesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/classes").WithTags("Classes");
        group.MapPost("/", async Task<Results<Created<ClassDto>, ProblemHttpResult>> (
                CreateClassRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(c => $"/api/v1/classes/{c.Id}"))
            .RequireAdministrator(ClassesHandler.AdministratorsOnly);
        group.MapGet("/", async Task<Results<Ok<Paged<ClassDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk())
            .AllowApiKeys(ApiKeyPermissions.ManageRosters | ApiKeyPermissions.IssueBadges);
        group.MapGet("/{classId:guid}", async Task<Results<Ok<ClassDto>, ProblemHttpResult>> (
                Guid classId, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, classId, ct)).ToOk())
            .AllowApiKeys(ApiKeyPermissions.ManageRosters | ApiKeyPermissions.IssueBadges);
        group.MapPatch("/{classId:guid}", async Task<Results<Ok<ClassDto>, ProblemHttpResult>> (
                Guid classId, UpdateClassRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, classId, request, ct)).ToOk());
        group.MapPut("/{classId:guid}/instructors/{userId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid classId, Guid userId, AssignInstructorRequest request, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.AssignInstructorAsync(actor, classId, userId, request, ct)).ToNoContent());
        group.MapDelete("/{classId:guid}/instructors/{userId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid classId, Guid userId, Actor actor, ClassesHandler handler, CancellationToken ct) =>
            (await handler.RemoveInstructorAsync(actor, classId, userId, ct)).ToNoContent());
        // API keys with manage_rosters reach enrollments, rosters and imports; with either key permission, classes to find ids.
        var rosters = group.MapGroup("").AllowApiKeys(ApiKeyPermissions.ManageRosters);
        rosters.MapEnrollmentsApi();
        rosters.MapRosterImportApi();
        return api;
    }
}
