namespace Rosette.Domain.Achievements;

/// <summary>
/// Something a student did, reported by an integration: stored durably when accepted, then evaluated by the achievement
/// worker. <see cref="Seq"/> orders events; (<see cref="PostedById"/>, <see cref="ExternalId"/>) is unique, so a sender
/// that sends an event again gets "duplicate" and nothing happens twice.
/// </summary>
public sealed class ActivityEvent
{
    public const int ExternalIdMaxLength = 100;
    public const int MaxPerRequest = 10_000;
    public const double MaxScore = 1_000_000;

    /// <summary>How far in the future an occurredAt may lie, for clocks that run a little fast.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private ActivityEvent()
    {
    }

    public long Seq { get; private set; }

    /// <summary>The sender's id of the event: its idempotency key.</summary>
    public string ExternalId { get; private set; } = "";

    public Guid PostedById { get; private set; }

    public Guid UserId { get; private set; }

    public ActivityType Type { get; private set; }

    public string SubjectId { get; private set; } = "";

    /// <summary>UTC, whole seconds.</summary>
    public DateTime OccurredAt { get; private set; }

    public double? Score { get; private set; }

    public DateTime ReceivedAt { get; private set; }

    /// <summary>Set in the same transaction as the event's effects: an event is processed exactly once.</summary>
    public DateTime? ProcessedAt { get; private set; }

    public static ActivityEvent Create(string externalId, Guid postedById, Guid userId, ActivityType type, string subjectId, DateTime occurredAt, double? score, DateTime now) => new()
    {
        ExternalId = externalId,
        PostedById = postedById,
        UserId = userId,
        Type = type,
        SubjectId = subjectId,
        OccurredAt = occurredAt,
        Score = score,
        ReceivedAt = now,
    };
}

/// <summary>One event of a request, as sent: every member is optional here so that each event is judged on its own.</summary>
public sealed record ActivityEventInput(string? Id, string? UserId, string? Type, string? SubjectId, string? OccurredAt, double? Score, bool ScoreInvalid = false, bool NotAnObject = false);

/// <summary>The checks of one event that need no database: the event is rejected with the first failing code.</summary>
public static class ActivityEventRules
{
    /// <summary>Checks an event's shape; on success returns the parsed event (without poster or times of receipt).</summary>
    public static Result<ParsedEvent> Parse(ActivityEventInput input, DateTime now)
    {
        if (input.NotAnObject)
        {
            return ActivityEventErrors.InvalidEvent;
        }
        var id = input.Id?.Trim();
        if (string.IsNullOrEmpty(id) || id.Length > ActivityEvent.ExternalIdMaxLength || id.Any(char.IsControl))
        {
            return ActivityEventErrors.InvalidId;
        }
        if (!Guid.TryParse(input.UserId, out var userId))
        {
            return ActivityEventErrors.UnknownUser;
        }
        if (ActivitySubjects.Parse(input.Type) is not { } type)
        {
            return ActivityEventErrors.InvalidType;
        }
        var subject = input.SubjectId?.Trim();
        if (string.IsNullOrEmpty(subject) || subject.Length > ActivitySubjects.MaxLength || subject.Any(char.IsControl))
        {
            return ActivityEventErrors.InvalidSubject;
        }
        if (type == ActivityType.CourseCompleted)
        {
            if (!Guid.TryParse(subject, out var courseId))
            {
                return ActivityEventErrors.UnknownCourse;
            }
            subject = ActivitySubjects.Course(courseId);
        }
        if (!DateTimeOffset.TryParse(input.OccurredAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var occurred)
            || !HasOffset(input.OccurredAt!))
        {
            return ActivityEventErrors.InvalidOccurredAt;
        }
        var occurredAt = occurred.UtcDateTime;
        occurredAt = new DateTime(occurredAt.Ticks - occurredAt.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        if (occurredAt > now + ActivityEvent.ClockSkew)
        {
            return ActivityEventErrors.OccurredInFuture;
        }
        if (input.ScoreInvalid || input.Score is { } score && (!double.IsFinite(score) || score < 0 || score > ActivityEvent.MaxScore))
        {
            return ActivityEventErrors.InvalidScore;
        }
        return new ParsedEvent(id, userId, type, subject, occurredAt, input.Score);
    }

    /// <summary>An occurredAt must say which time zone it is in (Z or an offset): a bare local time is ambiguous.</summary>
    private static bool HasOffset(string text)
    {
        var time = text.IndexOf('T', StringComparison.Ordinal);
        return time > 0 && (text.EndsWith('Z') || text.EndsWith('z') || text.IndexOfAny(['+', '-'], time) > 0);
    }
}

public sealed record ParsedEvent(string Id, Guid UserId, ActivityType Type, string SubjectId, DateTime OccurredAt, double? Score);

public static class ActivityEventErrors
{
    public static readonly InvalidError InvalidEvent = new("invalid_event", "Each event must be a JSON object.");

    public static readonly InvalidError InvalidId = new("invalid_id", $"'id' is required: the sender's id of the event, 1 to {ActivityEvent.ExternalIdMaxLength} characters.");

    public static readonly InvalidError UnknownUser = new("unknown_user", "'userId' names no user, or a user outside your scope.");

    public static readonly InvalidError InvalidType = new("invalid_type", "'type' must be lab_launched, lab_completed, course_completed or exam_passed.");

    public static readonly InvalidError InvalidSubject = new("invalid_subject", $"'subjectId' is required: 1 to {ActivitySubjects.MaxLength} characters.");

    public static readonly InvalidError UnknownCourse = new("unknown_course", "A course_completed event's 'subjectId' must be the id of a course.");

    public static readonly InvalidError InvalidOccurredAt = new("invalid_occurred_at", "'occurredAt' is required: an ISO 8601 time with Z or an offset.");

    public static readonly InvalidError OccurredInFuture = new("occurred_in_future", "'occurredAt' lies in the future.");

    public static readonly InvalidError InvalidScore = new("invalid_score", $"'score' must be a number from 0 to {ActivityEvent.MaxScore}.");

    public static readonly InvalidError EmptyRequest = new(InvalidError.ValidationFailed, "Send at least one event.");

    public static readonly InvalidError TooMany = new("batch_too_large", $"A request may carry at most {ActivityEvent.MaxPerRequest} events. Split the batch.");

    public static readonly ForbiddenError AdministratorsOnly = CommonErrors.Forbidden(
        "Only administrators (and integration accounts, which are administrators) post activity events, for users in their scope.");
}
