using System.Diagnostics;

namespace Rosette.Infrastructure.Telemetry;

/// <summary>Spans of Rosette's own background work (an outbox message, its mail); requests, EF Core and HTTP calls have their own.</summary>
public static class RosetteTracing
{
    public static readonly ActivitySource Source = new(RosetteMetrics.MeterName);
}
