using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Courses;

public static class CoursesApi
{
    public static RouteGroupBuilder MapCoursesApi(this RouteGroupBuilder api)
    {
        var courses = api.MapGroup("/courses").WithTags("Courses").RequireAdministrator(CoursesHandler.AdministratorsOnly);
        courses.MapPost("/", async Task<Results<Created<CourseDto>, ProblemHttpResult>> (
                CreateCourseRequest request, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(c => $"/api/v1/courses/{c.Id}"));
        courses.MapGet("/", async Task<Results<Ok<Paged<CourseDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk());
        courses.MapGet("/{id:guid}", async Task<Results<Ok<CourseDto>, ProblemHttpResult>> (
                Guid id, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        courses.MapPatch("/{id:guid}", async Task<Results<Ok<CourseDto>, ProblemHttpResult>> (
                Guid id, UpdateCourseRequest request, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());

        // A student reads their own assignments (the handler's rule); every other assignment route is administrators' only.
        var assignments = api.MapGroup("/course-assignments").WithTags("Courses");
        assignments.MapPost("/", async Task<Results<Created<CourseAssignmentDto>, ProblemHttpResult>> (
                CreateCourseAssignmentRequest request, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.AssignAsync(actor, request, ct)).ToCreated(a => $"/api/v1/course-assignments/{a.Id}"))
            .RequireAdministrator(CoursesHandler.AdministratorsOnly);
        assignments.MapGet("/", async Task<Results<Ok<Paged<CourseAssignmentDto>>, ProblemHttpResult>> (
                [AsParameters] CourseAssignmentListRequest request, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.ListAssignmentsAsync(actor, request, ct)).ToOk());
        assignments.MapGet("/{id:guid}", async Task<Results<Ok<CourseAssignmentDto>, ProblemHttpResult>> (
                Guid id, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.GetAssignmentAsync(actor, id, ct)).ToOk());
        assignments.MapPatch("/{id:guid}", async Task<Results<Ok<CourseAssignmentDto>, ProblemHttpResult>> (
                Guid id, UpdateCourseAssignmentRequest request, Actor actor, CoursesHandler handler, CancellationToken ct) =>
            (await handler.UpdateAssignmentAsync(actor, id, request, ct)).ToOk())
            .RequireAdministrator(CoursesHandler.AdministratorsOnly);
        return api;
    }
}
