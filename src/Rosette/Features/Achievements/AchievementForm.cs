using System.Text.Json;
using System.Text.Json.Nodes;
using Rosette.Domain.Achievements;

namespace Rosette.Features.Achievements;

/// <summary>
/// The achievement form of the pages: the fields of the API's request, and the conditions as rows under one "all" or "any".
/// Conditions nested deeper than that are edited as JSON. The form only translates; the rules stay in the domain.
/// </summary>
public sealed class AchievementForm
{
    public const int BlankRows = 2;

    public Guid? OrganizationId { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public int Points { get; set; }

    public int Frequency { get; set; } = 1;

    public FrequencyType FrequencyType { get; set; }

    public bool Enabled { get; set; } = true;

    public Guid? BadgeId { get; set; }

    /// <summary>"all" or "any": how the rows combine.</summary>
    public string Combinator { get; set; } = "all";

    public List<ConditionRow> Rows { get; set; } = [];

    /// <summary>The form's conditions as the API's JSON; null when no row is filled in.</summary>
    public JsonElement? ConditionsJson()
    {
        var nodes = Rows.Where(r => !string.IsNullOrEmpty(r.Type)).Select(r => r.ToJson()).ToList();
        if (nodes.Count == 0)
        {
            return null;
        }
        JsonNode root = nodes.Count == 1 ? nodes[0] : new JsonObject { ["type"] = Combinator == "any" ? "any" : "all", ["conditions"] = new JsonArray([.. nodes]) };
        return JsonSerializer.SerializeToElement(root);
    }

    /// <summary>Fills the rows from saved conditions; false when they are nested too deeply for the form.</summary>
    public bool LoadConditions(Condition conditions)
    {
        var (combinator, leaves) = conditions switch
        {
            AllOf all => ("all", all.Conditions),
            AnyOf any => ("any", any.Conditions),
            _ => ("all", (IReadOnlyList<Condition>)[conditions]),
        };
        if (leaves.Any(c => c is AllOf or AnyOf))
        {
            return false;
        }
        Combinator = combinator;
        Rows = leaves.Select(ConditionRow.From).ToList();
        return true;
    }

    public void AddBlankRows()
    {
        for (var i = 0; i < BlankRows; i++)
        {
            Rows.Add(new ConditionRow());
        }
    }
}

/// <summary>One condition of the form; only the members its type uses are read.</summary>
public sealed class ConditionRow
{
    public string? Type { get; set; }

    /// <summary>The lab id (lab_launched, lab_completed) or the learning path id (exam_passed).</summary>
    public string? Subject { get; set; }

    public Guid? CourseId { get; set; }

    public List<Guid> CourseIds { get; set; } = [];

    public string Mode { get; set; } = "all";

    public int? Count { get; set; }

    public int? Points { get; set; }

    public JsonObject ToJson() => Type switch
    {
        "lab_launched" or "lab_completed" => new JsonObject { ["type"] = Type, ["labId"] = Subject },
        "exam_passed" => new JsonObject { ["type"] = Type, ["learningPathId"] = Subject },
        "course_completed" => new JsonObject { ["type"] = Type, ["courseId"] = CourseId?.ToString() },
        "courses_completed" => Mode == "at_least"
            ? new JsonObject { ["type"] = Type, ["courseIds"] = new JsonArray([.. CourseIds.Select(c => (JsonNode)c.ToString())]), ["mode"] = Mode, ["count"] = Count }
            : new JsonObject { ["type"] = Type, ["courseIds"] = new JsonArray([.. CourseIds.Select(c => (JsonNode)c.ToString())]), ["mode"] = Mode },
        "points_at_least" => new JsonObject { ["type"] = Type, ["points"] = Points },
        _ => new JsonObject { ["type"] = Type },
    };

    public static ConditionRow From(Condition condition) => condition switch
    {
        LabLaunched c => new ConditionRow { Type = "lab_launched", Subject = c.LabId },
        LabCompleted c => new ConditionRow { Type = "lab_completed", Subject = c.LabId },
        ExamPassed c => new ConditionRow { Type = "exam_passed", Subject = c.LearningPathId },
        CourseCompleted c => new ConditionRow { Type = "course_completed", CourseId = c.CourseId },
        CoursesCompleted c => new ConditionRow
        {
            Type = "courses_completed",
            CourseIds = [.. c.CourseIds],
            Mode = c.Mode switch { CoursesMode.All => "all", CoursesMode.Any => "any", _ => "at_least" },
            Count = c.Count,
        },
        PointsAtLeast c => new ConditionRow { Type = "points_at_least", Points = c.Points },
        _ => new ConditionRow(),
    };
}
