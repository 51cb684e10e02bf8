using Microsoft.AspNetCore.Http.HttpResults;
using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Classes;

public static class EnrollmentsApi
{
    public static RouteGroupBuilder MapEnrollmentsApi(this RouteGroupBuilder classes)
    {
        classes.MapPost("/{classId:guid}/enrollments", async Task<Results<Ok<EnrollStudentsResult>, ProblemHttpResult>> (
                Guid classId, EnrollStudentsRequest request, Actor actor, EnrollmentsHandler handler, CancellationToken ct) =>
            (await handler.EnrollAsync(actor, classId, request, ct)).ToOk());
        classes.MapDelete("/{classId:guid}/enrollments/{studentId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid classId, Guid studentId, Actor actor, EnrollmentsHandler handler, CancellationToken ct) =>
            (await handler.UnenrollAsync(actor, classId, studentId, ct)).ToNoContent());
        classes.MapGet("/{classId:guid}/roster", async Task<Results<Ok<RosterResult>, ProblemHttpResult>> (
                Guid classId, [AsParameters] PageRequest paging, Actor actor, EnrollmentsHandler handler, CancellationToken ct) =>
            (await handler.RosterAsync(actor, classId, paging, ct)).ToOk());
        return classes;
    }
}
