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
}

/// <summary>Either a whole batch (its awards carry the id) or a list of awards.</summary>
public sealed record AwardsIssued(Guid? BatchId, IReadOnlyList<Guid>? AwardIds, bool SuppressNotifications);

public sealed record AwardRevoked(Guid AwardId, bool SuppressNotifications);

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
