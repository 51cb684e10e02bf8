using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rosette.Domain.Achievements;

namespace Rosette.Features.Achievements;

/// <summary>
/// The body of <c>POST /api/v1/activity-events</c> as sent, read in one pass without a document: each event's members as
/// text, so that every event is judged on its own (<see cref="ActivityEventRules"/>). <see cref="Events"/> is null when the
/// body is not an array; events past <see cref="ActivityEvent.MaxPerRequest"/> are counted, not kept.
/// </summary>
[JsonConverter(typeof(ActivityEventBatchConverter))]
public sealed class ActivityEventBatch
{
    public ActivityEventBatch(IReadOnlyList<ActivityEventInput>? events, int count)
    {
        Events = events;
        Count = count;
    }

    public IReadOnlyList<ActivityEventInput>? Events { get; }

    public int Count { get; }

    /// <summary>
    /// Binds the request body. Minimal APIs call this instead of inferring a JSON body, so that the OpenAPI document keeps
    /// the array of events the endpoint declares (<c>Accepts</c>); a body of another media type, or one that is not JSON,
    /// is refused as an inferred body's would be (415, and 400 <c>invalid_json</c>).
    /// </summary>
    public static async ValueTask<ActivityEventBatch?> BindAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            throw new BadHttpRequestException("Expected a JSON request body.", StatusCodes.Status415UnsupportedMediaType);
        }
        try
        {
            return await JsonSerializer.DeserializeAsync<ActivityEventBatch>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest, e);
        }
    }
}

/// <summary>
/// Reads <see cref="ActivityEventBatch"/>. A member that appears twice counts as its last value, as a JSON document reads it.
/// Ids and the other text members may be strings or numbers (kept as written); any other kind counts as missing.
/// </summary>
public sealed class ActivityEventBatchConverter : JsonConverter<ActivityEventBatch>
{
    public override ActivityEventBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            Skip(ref reader);
            return new ActivityEventBatch(null, 0);
        }
        var events = new List<ActivityEventInput>();
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (++count > ActivityEvent.MaxPerRequest || reader.TokenType != JsonTokenType.StartObject)
            {
                Skip(ref reader);
                if (count <= ActivityEvent.MaxPerRequest)
                {
                    events.Add(NotAnObject);
                }
                continue;
            }
            events.Add(ReadEvent(ref reader));
        }
        return new ActivityEventBatch(events, count);
    }

    /// <summary>A body of <c>null</c> reaches <see cref="Read"/> too, and is refused as any other body that is not an array.</summary>
    public override bool HandleNull => true;

    public override void Write(Utf8JsonWriter writer, ActivityEventBatch value, JsonSerializerOptions options) =>
        throw new NotSupportedException("An activity event batch is only read.");

    private static readonly ActivityEventInput NotAnObject = new(null, null, null, null, null, null, NotAnObject: true);

    private static ActivityEventInput ReadEvent(ref Utf8JsonReader reader)
    {
        string? id = null, userId = null, type = null, subjectId = null, occurredAt = null;
        double? score = null;
        var scoreInvalid = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueTextEquals("id"u8) ? 1
                : reader.ValueTextEquals("userId"u8) ? 2
                : reader.ValueTextEquals("type"u8) ? 3
                : reader.ValueTextEquals("subjectId"u8) ? 4
                : reader.ValueTextEquals("occurredAt"u8) ? 5
                : reader.ValueTextEquals("score"u8) ? 6
                : 0;
            reader.Read();
            switch (name)
            {
                case 1: id = Text(ref reader); break;
                case 2: userId = Text(ref reader); break;
                case 3: type = Text(ref reader); break;
                case 4: subjectId = Text(ref reader); break;
                case 5: occurredAt = Text(ref reader); break;
                case 6:
                    scoreInvalid = false;
                    score = null;
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
                    {
                        score = value;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        scoreInvalid = true;
                        Skip(ref reader);
                    }
                    break;
                default: Skip(ref reader); break;
            }
        }
        return new ActivityEventInput(id, userId, type, subjectId, occurredAt, score, scoreInvalid);
    }

    private static string? Text(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
            default:
                Skip(ref reader);
                return null;
        }
    }

    /// <summary>
    /// The serializer hands a converter the whole value, read ahead, but a reader over a request body is not the final block,
    /// where <see cref="Utf8JsonReader.Skip"/> refuses; <see cref="Utf8JsonReader.TrySkip"/> skips within what is read.
    /// </summary>
    private static void Skip(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip())
        {
            throw new JsonException("The value ends early.");
        }
    }
}
