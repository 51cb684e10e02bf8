using Rosette.Data;

namespace Rosette.Features.Health;

public static class HealthApi
{
    /// <summary>200 when the database answers, 503 otherwise; no sign-in.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", async (RosetteDb db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Ok(new { status = "healthy" })
                    : Results.Problem(statusCode: 503, detail: "The database does not answer.", extensions: new Dictionary<string, object?> { ["code"] = "database_unavailable" }))
            .AllowAnonymous()
            .WithTags("Health");
        return app;
    }
}
