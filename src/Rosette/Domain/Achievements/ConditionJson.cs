using System.Globalization;
using System.Text.Json;

namespace Rosette.Domain.Achievements;

/// <summary>
/// Reads and writes conditions as JSON. Reading checks everything and reports every problem with its path
/// (<c>conditions.conditions[1].courseIds[0]</c>), so that an administrator can fix them all at once.
/// </summary>
public static class ConditionJson
{
    public const int MaxDepth = 5;
    public const int MaxConditions = 100;
    public const int MaxCourses = 100;
    public const int MaxPoints = 10_000_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public static Result<Condition> Parse(string json, string path = "conditions")
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement, path);
        }
        catch (JsonException)
        {
            return InvalidError.Field(path, AchievementErrors.InvalidConditions, $"'{path}' is not valid JSON.");
        }
    }

    public static Result<Condition> Parse(JsonElement element, string path = "conditions")
    {
        var errors = new ValidationErrors();
        var count = 0;
        var condition = Read(element, path, 1, errors, ref count);
        if (count > MaxConditions)
        {
            errors.Add(Invalid(path, $"'{path}' has {count} conditions; at most {MaxConditions} are allowed."));
        }
        return errors.Any ? errors.ToError() with { Code = AchievementErrors.InvalidConditions } : condition!;
    }

    private static Condition? Read(JsonElement element, string path, int depth, ValidationErrors errors, ref int count)
    {
        count++;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(Invalid(path, $"'{path}' must be an object with a 'type'."));
            return null;
        }
        if (!element.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            errors.Add(Invalid($"{path}.type", $"'{path}.type' is required: one of {TypeList}."));
            return null;
        }
        var type = typeElement.GetString();
        string[] allowed = type switch
        {
            "lab_launched" or "lab_completed" => ["type", "labId"],
            "course_completed" => ["type", "courseId"],
            "courses_completed" => ["type", "courseIds", "mode", "count"],
            "exam_passed" => ["type", "learningPathId"],
            "points_at_least" => ["type", "points"],
            "all" or "any" => ["type", "conditions"],
            _ => [],
        };
        if (allowed.Length == 0)
        {
            errors.Add(Invalid($"{path}.type", $"'{path}.type' is '{type}'; it must be one of {TypeList}."));
            return null;
        }
        foreach (var property in element.EnumerateObject().Where(p => !allowed.Contains(p.Name)))
        {
            errors.Add(Invalid($"{path}.{property.Name}", $"'{path}.{property.Name}' is not a member of a {type} condition (members: {string.Join(", ", allowed)})."));
        }
        switch (type)
        {
            case "lab_launched":
                return SubjectOf(element, path, "labId", errors) is { } launched ? new LabLaunched(launched) : null;
            case "lab_completed":
                return SubjectOf(element, path, "labId", errors) is { } completed ? new LabCompleted(completed) : null;
            case "exam_passed":
                return SubjectOf(element, path, "learningPathId", errors) is { } learningPath ? new ExamPassed(learningPath) : null;
            case "course_completed":
                return CourseOf(element.TryGetProperty("courseId", out var course) ? course : default, $"{path}.courseId", errors) is { } courseId
                    ? new CourseCompleted(courseId)
                    : null;
            case "courses_completed":
                return ReadCourses(element, path, errors);
            case "points_at_least":
                if (!element.TryGetProperty("points", out var points) || !TryGetWholeNumber(points, out var value) || value < 1 || value > MaxPoints)
                {
                    errors.Add(Invalid($"{path}.points", $"'{path}.points' must be a whole number from 1 to {MaxPoints}."));
                    return null;
                }
                return new PointsAtLeast(value);
            default:
                return ReadCombinator(element, path, type == "all", depth, errors, ref count);
        }
    }

    private static Condition? ReadCombinator(JsonElement element, string path, bool all, int depth, ValidationErrors errors, ref int count)
    {
        if (depth >= MaxDepth)
        {
            errors.Add(Invalid(path, $"'{path}' nests combinators too deeply; at most {MaxDepth} levels are allowed."));
            return null;
        }
        if (!element.TryGetProperty("conditions", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            errors.Add(Invalid($"{path}.conditions", $"'{path}.conditions' must be a non-empty list of conditions."));
            return null;
        }
        var children = new List<Condition>();
        var i = 0;
        foreach (var child in list.EnumerateArray())
        {
            if (Read(child, $"{path}.conditions[{i++}]", depth + 1, errors, ref count) is { } condition)
            {
                children.Add(condition);
            }
        }
        return all ? new AllOf(children) : new AnyOf(children);
    }

    private static CoursesCompleted? ReadCourses(JsonElement element, string path, ValidationErrors errors)
    {
        var courses = new List<Guid>();
        var valid = true;
        if (!element.TryGetProperty("courseIds", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            errors.Add(Invalid($"{path}.courseIds", $"'{path}.courseIds' must be a non-empty list of course ids."));
            valid = false;
        }
        else if (list.GetArrayLength() > MaxCourses)
        {
            errors.Add(Invalid($"{path}.courseIds", $"'{path}.courseIds' may list at most {MaxCourses} courses."));
            valid = false;
        }
        else
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var itemPath = $"{path}.courseIds[{i++}]";
                if (CourseOf(item, itemPath, errors) is not { } id)
                {
                    valid = false;
                }
                else if (courses.Contains(id))
                {
                    errors.Add(Invalid(itemPath, $"'{itemPath}' repeats the course '{id}'."));
                    valid = false;
                }
                else
                {
                    courses.Add(id);
                }
            }
        }
        var modeName = element.TryGetProperty("mode", out var modeElement) && modeElement.ValueKind == JsonValueKind.String ? modeElement.GetString() : null;
        CoursesMode? mode = modeName switch
        {
            "all" => CoursesMode.All,
            "any" => CoursesMode.Any,
            "at_least" => CoursesMode.AtLeast,
            _ => null,
        };
        if (mode is null)
        {
            errors.Add(Invalid($"{path}.mode", $"'{path}.mode' is required: all, any or at_least."));
            return null;
        }
        int? count = null;
        var hasCount = element.TryGetProperty("count", out var countElement) && countElement.ValueKind != JsonValueKind.Null;
        if (mode == CoursesMode.AtLeast)
        {
            if (!hasCount || !TryGetWholeNumber(countElement, out var n) || n < 1 || (valid && n > courses.Count))
            {
                errors.Add(Invalid($"{path}.count", $"'{path}.count' is required with mode at_least: a whole number from 1 to the number of courses listed."));
                return null;
            }
            count = n;
        }
        else if (hasCount)
        {
            errors.Add(Invalid($"{path}.count", $"'{path}.count' is only used with mode at_least."));
            return null;
        }
        return valid ? new CoursesCompleted(courses, mode.Value, count) : null;
    }

    // TryGetInt32 throws on anything but a number: "5", true, [] and {} are answered like any other bad value.
    private static bool TryGetWholeNumber(JsonElement element, out int value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value);
    }

    private static string? SubjectOf(JsonElement element, string path, string member, ValidationErrors errors)
    {
        var value = element.TryGetProperty(member, out var subject) && subject.ValueKind == JsonValueKind.String ? subject.GetString()?.Trim() : null;
        if (string.IsNullOrEmpty(value) || value.Length > ActivitySubjects.MaxLength || value.Any(char.IsControl))
        {
            errors.Add(Invalid($"{path}.{member}", $"'{path}.{member}' is required: text of 1 to {ActivitySubjects.MaxLength} characters."));
            return null;
        }
        return value;
    }

    private static Guid? CourseOf(JsonElement element, string path, ValidationErrors errors)
    {
        if (element.ValueKind == JsonValueKind.String && Guid.TryParse(element.GetString(), out var id) && id != Guid.Empty)
        {
            return id;
        }
        errors.Add(Invalid(path, $"'{path}' must be a course id (a UUID)."));
        return null;
    }

    private const string TypeList = "lab_launched, lab_completed, course_completed, courses_completed, exam_passed, points_at_least, all, any";

    private static InvalidError Invalid(string path, string message) => InvalidError.Field(path, AchievementErrors.InvalidConditions, message);

    /// <summary>Every course a condition names, with the path it is named at (for "no such course" messages).</summary>
    public static IEnumerable<(string Path, Guid CourseId)> CoursePaths(Condition condition, string path = "conditions") => condition switch
    {
        CourseCompleted c => [($"{path}.courseId", c.CourseId)],
        CoursesCompleted c => c.CourseIds.Select((id, i) => ($"{path}.courseIds[{i}]", id)),
        AllOf c => c.Conditions.SelectMany((child, i) => CoursePaths(child, $"{path}.conditions[{i}]")),
        AnyOf c => c.Conditions.SelectMany((child, i) => CoursePaths(child, $"{path}.conditions[{i}]")),
        _ => [],
    };

    public static string Serialize(Condition condition)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            Write(writer, condition);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static JsonElement ToElement(Condition condition)
    {
        using var document = JsonDocument.Parse(Serialize(condition));
        return document.RootElement.Clone();
    }

    private static void Write(Utf8JsonWriter writer, Condition condition)
    {
        writer.WriteStartObject();
        switch (condition)
        {
            case LabLaunched c:
                writer.WriteString("type", "lab_launched");
                writer.WriteString("labId", c.LabId);
                break;
            case LabCompleted c:
                writer.WriteString("type", "lab_completed");
                writer.WriteString("labId", c.LabId);
                break;
            case CourseCompleted c:
                writer.WriteString("type", "course_completed");
                writer.WriteString("courseId", ActivitySubjects.Course(c.CourseId));
                break;
            case CoursesCompleted c:
                writer.WriteString("type", "courses_completed");
                writer.WriteStartArray("courseIds");
                foreach (var id in c.CourseIds)
                {
                    writer.WriteStringValue(ActivitySubjects.Course(id));
                }
                writer.WriteEndArray();
                writer.WriteString("mode", c.Mode switch { CoursesMode.All => "all", CoursesMode.Any => "any", _ => "at_least" });
                if (c.Count is { } n)
                {
                    writer.WriteNumber("count", n);
                }
                break;
            case ExamPassed c:
                writer.WriteString("type", "exam_passed");
                writer.WriteString("learningPathId", c.LearningPathId);
                break;
            case PointsAtLeast c:
                writer.WriteString("type", "points_at_least");
                writer.WriteNumber("points", c.Points);
                break;
            case AllOf c:
                WriteList(writer, "all", c.Conditions);
                break;
            case AnyOf c:
                WriteList(writer, "any", c.Conditions);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(condition), condition.GetType().Name);
        }
        writer.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter writer, string type, IReadOnlyList<Condition> conditions)
    {
        writer.WriteString("type", type);
        writer.WriteStartArray("conditions");
        foreach (var child in conditions)
        {
            Write(writer, child);
        }
        writer.WriteEndArray();
    }

    /// <summary>For messages: "42" rather than "42.0".</summary>
    internal static string Number(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
