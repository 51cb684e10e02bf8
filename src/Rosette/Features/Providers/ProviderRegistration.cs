using Microsoft.Extensions.Http.Resilience;
using Polly;
using Rosette.Domain.Providers;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Providers;

public static class ProviderRegistration
{
    public static IServiceCollection AddBadgeProviders(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(ProviderOptions.Section).Get<ProviderOptions>() ?? new ProviderOptions();
        if (options.Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
        var outbound = configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>() ?? new OutboundOptions();
        services.AddSingleton(options);
        services.AddSingleton(new ProviderAddressRules(options.AllowedHosts, allowPlainHttp: outbound.AllowPrivateNetworks));
        services.AddSingleton<ProviderTokens>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<CredlyGate>();
        // An answer larger than MaxAnswerBytes fails the attempt (HttpRequestException) instead of being read into memory.
        var credly = services.AddHttpClient<CredlyClient>(http => (http.Timeout, http.MaxResponseContentBufferSize) = (Timeout.InfiniteTimeSpan, CredlyClient.MaxAnswerBytes))
            .ConfigurePrimaryHttpMessageHandler(() => Outbound.CreateHandler(outbound));
        credly.AddResilienceHandler("credly", pipeline =>
        {
            // Pauses between retries, the circuit breaker and the overall limit run on the wall clock.
            pipeline.TimeProvider = TimeProvider.System;
            pipeline.AddTimeout(options.AttemptTimeout * 3);
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(200), BackoffType = DelayBackoffType.Exponential, UseJitter = true,
            };
            // POST creates a badge: never retried in place, where a timeout leaves us unsure whether it arrived. The
            // dispatcher retries it from the database, asking the provider first. Lookups (GET) are retried here.
            retry.DisableForUnsafeHttpMethods();
            pipeline.AddRetry(retry);
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { SamplingDuration = options.AttemptTimeout * 2 });
        });
        credly.AddResilienceHandler("credly-attempt", (pipeline, context) =>
        {
            // Each attempt's limit runs on the app's clock, the one claims are measured on: a request ends before the
            // claim it was sent under (see DeliveryDispatcher), whatever clock the app keeps.
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            pipeline.AddTimeout(options.AttemptTimeout);
        });
        services.AddSingleton<DeliveryDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        return services;
    }
}
