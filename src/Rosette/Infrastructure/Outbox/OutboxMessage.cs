namespace Rosette.Infrastructure.Outbox;

/// <summary>
/// A piece of work to do after a transaction commits (send mail, deliver to a badge provider), written in that same
/// transaction. The dispatcher claims due messages, runs every handler of the topic, and retries with backoff.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public string Topic { get; set; } = "";

    public string Payload { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    /// <summary>Not before this time (backoff after a failure).</summary>
    public DateTime DueAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>The instance working on it, until <see cref="ClaimedUntil"/>; a crashed instance's claim simply expires.</summary>
    public string? ClaimedBy { get; set; }

    public DateTime? ClaimedUntil { get; set; }

    public DateTime? ProcessedAt { get; set; }

    public string? LastError { get; set; }
}
