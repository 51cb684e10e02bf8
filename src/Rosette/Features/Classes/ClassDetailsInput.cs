using System.Globalization;

namespace Rosette.Features.Classes;

/// <summary>The class page's details form.</summary>
public sealed class ClassDetailsInput
{
    public string? Name { get; set; }

    /// <summary>What a date input sends; text, so that anything else is said beside the field rather than refused as a request.</summary>
    public const string DateFormat = "yyyy-MM-dd";

    public string? StartsAt { get; set; }

    public string? EndsAt { get; set; }

    /// <summary>The form as stored.</summary>
    public static ClassDetailsInput From(ClassDto stored) =>
        new() { Name = stored.Name, StartsAt = DateOnlyOf(stored.StartsAt), EndsAt = DateOnlyOf(stored.EndsAt) };

    private static string? DateOnlyOf(DateTime? value) => value is { } v ? DateOnly.FromDateTime(v).ToString(DateFormat, CultureInfo.InvariantCulture) : null;
}
