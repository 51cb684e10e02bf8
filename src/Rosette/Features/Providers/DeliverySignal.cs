using Rosette.Infrastructure.Hosting;

namespace Rosette.Features.Providers;

/// <summary>Wakes this instance's delivery dispatcher when deliveries were committed here.</summary>
public sealed class DeliverySignal : WakeSignal;
