using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Rosette.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry, on only when something takes it: traces (requests, EF Core commands, outgoing HTTP, outbox messages),
/// metrics (<see cref="RosetteMetrics"/>, ASP.NET Core, HTTP client, runtime) and logs, exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard <c>OTEL_*</c> variables apply), and metrics on a Prometheus
/// scrape endpoint when <c>Rosette:Telemetry:Prometheus:Enabled</c>. JSON console logs
/// (<c>Logging:Console:FormatterName=json</c>) carry the trace and span ids of the request or span they belong to.
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddRosetteTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddSingleton(options);
        services.AddSingleton<RosetteMetrics>();
        services.AddSingleton<BacklogMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<BacklogMonitor>());
        // The one logger factory, built as logging's own is, inside the filter of handled outcomes.
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new HandledOutcomeLogs(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>()))));
        // Scopes hold the request's TraceId and SpanId (the host tracks them on every log scope).
        services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
        if (!otlp && !options.Prometheus.Enabled)
        {
            return services;
        }
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("rosette", serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RosetteMetrics.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddMeter("System.Runtime");
                if (options.Prometheus.Enabled)
                {
                    metrics.AddPrometheusExporter(o => o.ScrapeEndpointPath = options.Prometheus.Path);
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                    .AddSource(RosetteTracing.Source.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path, options))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation())
                .UseOtlpExporter();
        }
        return services;
    }

    /// <summary>
    /// The Prometheus scrape endpoint, before authentication: it answers only its path (and, with
    /// <see cref="PrometheusOptions.Port"/>, only connections to that local port, which a proxy in front need not expose).
    /// </summary>
    public static WebApplication UseRosetteTelemetry(this WebApplication app)
    {
        var prometheus = app.Services.GetRequiredService<TelemetryOptions>().Prometheus;
        if (prometheus.Enabled)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Request.Path == prometheus.Path && (prometheus.Port is not { } port || context.Connection.LocalPort == port));
        }
        return app;
    }

    /// <summary>Health probes and scrapes come every few seconds and say nothing about the work: no span for them.</summary>
    private static bool IsProbe(PathString path, TelemetryOptions options) =>
        path.StartsWithSegments("/health") || (options.Prometheus.Enabled && path == options.Prometheus.Path);
}
