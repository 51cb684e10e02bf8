using System.Text.Json;
using Rosette.Data;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Infrastructure.Outbox;

/// <summary>Handles the messages of one topic. Handlers must be idempotent: a message is retried until every handler of its topic succeeds.</summary>
public interface IOutboxHandler
{
    string Topic { get; }

    Task HandleAsync(OutboxMessage message, CancellationToken cancellationToken);
}

public static class OutboxTopics
{
    /// <summary>Awards were issued: payload <see cref="AwardsIssued"/>.</summary>
    public const string AwardsIssued = "awards.issued";

    /// <summary>An award was revoked: payload <see cref="AwardRevoked"/>.</summary>
    public const string AwardRevoked = "awards.revoked";

    /// <summary>Awards were renewed: payload <see cref="AwardsRenewed"/>.</summary>
    public const string AwardsRenewed = "awards.renewed";

    /// <summary>An issuance request was written (whatever its outcome): payload <see cref="BatchCompleted"/>.</summary>
    public const string BatchCompleted = "batches.completed";

    /// <summary>Credentials reached a reminder or their expiry: payload <see cref="CredentialsDue"/>.</summary>
    public const string CredentialsDue = "credentials.due";

    /// <summary>Achievements were earned: payload <see cref="AchievementsEarned"/>.</summary>
    public const string AchievementsEarned = "achievements.earned";

    /// <summary>A webhook endpoint was disabled after failing for too long: payload <see cref="WebhookEndpointDisabled"/>.</summary>
    public const string WebhookEndpointDisabled = "webhooks.endpoint_disabled";
}

/// <summary>Either a whole batch (its awards carry the id) or a list of awards.</summary>
public sealed record AwardsIssued(Guid? BatchId, IReadOnlyList<Guid>? AwardIds, bool SuppressNotifications);

public sealed record AwardRevoked(Guid AwardId, bool SuppressNotifications);

/// <summary>Either a whole batch's renewals (they carry its id) or a list of new credential ids.</summary>
public sealed record AwardsRenewed(Guid? BatchId, IReadOnlyList<Guid>? CredentialIds, bool SuppressNotifications);

public sealed record BatchCompleted(Guid BatchId);

/// <summary>Notices (credential and kind) that the expiry scheduler recorded; see CredentialNotice.</summary>
public sealed record CredentialsDue(IReadOnlyList<DueNotice> Notices);

public sealed record DueNotice(Guid CredentialId, string Kind);

/// <summary>Earnings (AchievementAward ids) recorded by the achievement worker.</summary>
public sealed record AchievementsEarned(IReadOnlyList<Guid> EarningIds);

public sealed record WebhookEndpointDisabled(Guid EndpointId);

public static class OutboxWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds a message to the unit of work: it is stored by the same SaveChanges, in the same transaction, as the change it follows.</summary>
    public static OutboxMessage Publish<T>(this RosetteDb db, string topic, T payload, DateTime now)
    {
        var message = new OutboxMessage { Topic = topic, Payload = JsonSerializer.Serialize(payload, Json), CreatedAt = now, DueAt = now };
        db.OutboxMessages.Add(message);
        return message;
    }

    public static T Read<T>(this OutboxMessage message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new InvalidOperationException($"Outbox message {message.Id} has no payload.");
}

/// <summary>Wakes this instance's dispatcher as soon as a message is committed here; other instances find it when they next poll.</summary>
public sealed class OutboxSignal : WakeSignal;
