using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Rosette.Data;
using Rosette.Domain;
using Rosette.Domain.Users;
using Rosette.Features.Credentials;
using Rosette.Features.Notifications;
using Rosette.Infrastructure.Http;
using Rosette.Infrastructure.Outbox;

namespace Rosette.Features.Webhooks;

public static class WebhooksApi
{
    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder api)
    {
        var endpoints = api.MapGroup("/webhook-endpoints").WithTags("Webhooks");
        endpoints.MapPost("/", async Task<Results<Created<WebhookEndpointDto>, ProblemHttpResult>> (
                CreateWebhookEndpointRequest request, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.CreateAsync(actor, request, ct)).ToCreated(e => $"/api/v1/webhook-endpoints/{e.Id}"));
        endpoints.MapGet("/", async Task<Results<Ok<Paged<WebhookEndpointDto>>, ProblemHttpResult>> (
                [AsParameters] PageRequest paging, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.ListAsync(actor, paging, ct)).ToOk());
        endpoints.MapGet("/{id:guid}", async Task<Results<Ok<WebhookEndpointDto>, ProblemHttpResult>> (
                Guid id, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.GetAsync(actor, id, ct)).ToOk());
        endpoints.MapPatch("/{id:guid}", async Task<Results<Ok<WebhookEndpointDto>, ProblemHttpResult>> (
                Guid id, UpdateWebhookEndpointRequest request, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.UpdateAsync(actor, id, request, ct)).ToOk());
        endpoints.MapDelete("/{id:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
                Guid id, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.DeleteAsync(actor, id, ct)).ToNoContent());
        endpoints.MapPost("/{id:guid}/secret", async Task<Results<Ok<WebhookEndpointDto>, ProblemHttpResult>> (
                Guid id, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.RotateSecretAsync(actor, id, ct)).ToOk());
        endpoints.MapGet("/{id:guid}/deliveries", async Task<Results<Ok<Paged<WebhookDeliveryDto>>, ProblemHttpResult>> (
                Guid id, [AsParameters] WebhookDeliveryListRequest request, Actor actor, WebhookDeliveryLogHandler handler, CancellationToken ct) =>
            (await handler.DeliveriesAsync(actor, id, request, ct)).ToOk());
        endpoints.MapGet("/{id:guid}/attempts", async Task<Results<Ok<Paged<WebhookAttemptDto>>, ProblemHttpResult>> (
                Guid id, [AsParameters] WebhookAttemptListRequest request, Actor actor, WebhookDeliveryLogHandler handler, CancellationToken ct) =>
            (await handler.AttemptsAsync(actor, id, request, ct)).ToOk());
        endpoints.MapPost("/{id:guid}/deliveries/{deliveryId:long}/replay", async Task<Results<Ok<WebhookDeliveryDto>, ProblemHttpResult>> (
                Guid id, long deliveryId, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.ReplayAsync(actor, id, deliveryId, ct)).ToOk());
        endpoints.MapPost("/{id:guid}/replay-failed", async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> (
                Guid id, Actor actor, WebhookEndpointsHandler handler, CancellationToken ct) =>
            (await handler.ReplayFailedAsync(actor, id, ct)).ToOk());
        return api;
    }

    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        var outbound = configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>() ?? new OutboundOptions();
        services.AddSingleton(options);
        services.AddSingleton(outbound);
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSignal>();
        // Every request goes through the one outbound policy: public addresses only, checked at connect time; no redirects.
        services.AddHttpClient(WebhookDispatcher.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => Outbound.CreateHandler(outbound));
        services.AddScoped<WebhookEventRecorder>();
        services.AddScoped<AwardEvents>();
        services.AddScoped<IOutboxHandler, AwardsIssuedWebhooks>();
        services.AddScoped<IOutboxHandler, AwardRevokedWebhooks>();
        services.AddScoped<IOutboxHandler, AwardsRenewedWebhooks>();
        services.AddScoped<IOutboxHandler, CredentialsDueWebhooks>();
        services.AddScoped<IOutboxHandler, BatchCompletedWebhooks>();
        services.AddScoped<IOutboxHandler, AchievementsEarnedWebhooks>();
        services.AddScoped<IOutboxHandler, EndpointDisabledMail>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }
}

/// <summary>Mails the administrators of an endpoint's organization (and whoever created it) that it was disabled, and why.</summary>
public sealed class EndpointDisabledMail(RosetteDb db, MailDelivery delivery, CredentialUrls urls, TimeProvider clock) : IOutboxHandler
{
    public string Topic => OutboxTopics.WebhookEndpointDisabled;

    public async Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var endpointId = message.Read<WebhookEndpointDisabled>().EndpointId;
        var endpoint = await (from e in db.WebhookEndpoints.AsNoTracking()
                              where e.Id == endpointId
                              join o in db.Organizations on e.OrganizationId equals o.Id
                              select new { e.Url, e.DisabledReason, e.CreatedById, o.Name, o.Path }).SingleOrDefaultAsync(cancellationToken);
        if (endpoint is null)
        {
            return;
        }
        // Administrators who may manage the endpoint: of its organization's ancestors (strictly above), and system administrators.
        var path = endpoint.Path;
        var administrators = await (from u in db.Users.AsNoTracking()
                                    where u.IsActive && u.Role == UserRole.Administrator
                                    join o in db.Organizations on u.OrganizationId equals o.Id
                                    where u.IsSystemAdministrator || (path.StartsWith(o.Path) && path != o.Path) || u.Id == endpoint.CreatedById
                                    select new { u.Email, u.FirstName, u.LastName }).ToListAsync(cancellationToken);
        var host = new Uri(urls.Base).Host;
        await using var session = delivery.Open();
        foreach (var administrator in administrators)
        {
            var mail = new MimeMessage();
            mail.From.Add(delivery.Settings.From is { Length: > 0 } from ? MailboxAddress.Parse(from) : new MailboxAddress("Rosette", $"no-reply@{host}"));
            mail.To.Add(new MailboxAddress(PersonName.Full(administrator.FirstName, administrator.LastName), administrator.Email));
            mail.MessageId = $"{endpointId:N}.{message.Id:N}.disabled@{host}";
            mail.Date = clock.GetUtcNow();
            mail.Subject = $"Webhook endpoint disabled: {endpoint.Url}";
            mail.Body = new TextPart("plain")
            {
                Text = $"""
                    Hello {administrator.FirstName},

                    Rosette disabled the webhook endpoint {endpoint.Url} of {endpoint.Name}: {endpoint.DisabledReason}

                    Its events are kept. Once the receiver works again, enable the endpoint and replay the failed deliveries:
                    {urls.Base}/webhooks/{endpointId}
                    """.Replace("\n", "\r\n", StringComparison.Ordinal),
            };
            await session.SendAsync(mail, $"{endpointId:N}-{message.Id:N}-{administrator.Email}", cancellationToken);
        }
    }
}
