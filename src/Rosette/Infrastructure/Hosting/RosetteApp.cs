using System.Text.Json;
using System.Text.Json.Serialization;
using Rosette.Data;
using Rosette.Features;
using Rosette.Features.Achievements;
using Rosette.Features.Credentials;
using Rosette.Features.Health;
using Rosette.Features.Notifications;
using Rosette.Features.Providers;
using Rosette.Features.SingleSignOn;
using Rosette.Features.Webhooks;
using Rosette.Infrastructure.Auth;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;
using Rosette.Infrastructure.Pages;
using Rosette.Infrastructure.Telemetry;
using Scalar.AspNetCore;

namespace Rosette.Infrastructure.Hosting;

/// <summary>Everything Program.cs wires up, in two calls: services, then the request pipeline.</summary>
public static class RosetteApp
{
    public const long MaxRequestBodyBytes = 4 * 1024 * 1024;

    public static WebApplicationBuilder AddRosette(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Serves wwwroot from the source tree when run from build output in any environment (published output has its own copy).
        builder.WebHost.UseStaticWebAssets();
        services.AddSingleton(TimeProvider.System);
        services.AddRosetteDatabase(builder.Configuration);
        // Before Data Protection's own start-up work, which reads the key ring from the migrated database.
        services.AddHostedService<DatabaseStartup>();
        services.AddStartupWarmup(builder.Configuration);
        services.AddRosetteDataProtection(builder.Configuration);
        services.AddRosetteAuth(builder.Configuration);
        services.AddRosetteProxy(builder.Configuration);
        services.AddScoped<TokenIssuer>();
        services.AddRosetteProblemDetails();
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSecurityTransformer>().AddOperationTransformer<BearerSecurityTransformer>());
        services.AddRosettePages();
        services.AddPublicDocuments();
        services.AddFeatureHandlers();
        services.AddScoped<Features.Issuance.AwardIssuer>();
        services.AddScoped<Features.Audit.AuditLog>();
        services.AddSingleton(builder.Configuration.GetSection(Features.Audit.AuditThrottleOptions.Section).Get<Features.Audit.AuditThrottleOptions>()
            ?? new Features.Audit.AuditThrottleOptions());
        services.AddSingleton(builder.Configuration.GetSection(Features.Dashboard.DashboardOptions.Section).Get<Features.Dashboard.DashboardOptions>()
            ?? new Features.Dashboard.DashboardOptions());
        services.AddSingleton<Features.Audit.AuditThrottle>();
        services.AddOutbox(builder.Configuration);
        services.AddCredentials(builder.Configuration);
        services.AddNotifications(builder.Configuration);
        services.AddBadgeProviders(builder.Configuration);
        services.AddWebhooks(builder.Configuration);
        services.AddAchievements(builder.Configuration);
        services.AddSingleSignOn(builder.Configuration);
        services.AddScoped<Bootstrap>();
        services.AddRosetteTelemetry(builder.Configuration);
        services.AddRosetteHealth(builder.Configuration);
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }

    public static WebApplication UseRosette(this WebApplication app)
    {
        // Routing first, as WebApplication would place it; the warm-up's request enters just before it (ADR 0021).
        var warmup = app.Services.GetRequiredService<WarmupPipeline>();
        app.Use(next =>
        {
            warmup.Set(next);
            return next;
        });
        app.UseRouting();
        app.UseRosetteProxy();
        app.UseRosetteTelemetry();
        app.UseNoStoreForPrivateAnswers();
        app.UseRosetteErrorPages();
        app.UseMiddleware<RequestSizeLimit>();
        app.UseRosettePageAssets();
        // Before authentication: a preflight for a public document is answered here (its policy is the endpoint's).
        app.UseCors();
        app.UseRateLimiter();
        app.UseMiddleware<Features.SingleSignOn.ConnectionLoader>();
        app.UseAuthentication();
        app.UseMiddleware<ActorMiddleware>();
        app.UseMiddleware<ApiKeyGate>();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapScalarApiReference("/api/reference", o => o.WithTitle("Rosette API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts().DisableTelemetry().DisableAgent());
        app.MapRosetteEndpoints();
        app.MapRazorPages();
        return app;
    }

    /// <summary>Registers every handler class of Features (a class named *Handler) as scoped.</summary>
    private static void AddFeatureHandlers(this IServiceCollection services)
    {
        var handlers = typeof(RosetteApp).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Handler", StringComparison.Ordinal)
                && t.Namespace?.StartsWith("Rosette.Features", StringComparison.Ordinal) == true);
        foreach (var handler in handlers)
        {
            services.AddScoped(handler);
        }
    }
}
