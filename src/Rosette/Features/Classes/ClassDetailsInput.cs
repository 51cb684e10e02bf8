using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

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

    /// <summary>
    /// A date field of a class form as posted: empty is no date; text that is not a yyyy-MM-dd date is said beside the field
    /// (<paramref name="key"/>), as a browser without a date picker sends what was typed.
    /// </summary>
    public static DateTime? ReadDate(string? value, ModelStateDictionary modelState, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateOnly.TryParseExact(value.Trim(), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        }
        modelState.AddModelError(key, $"'{value}' is not a date: give it as year-month-day (2026-09-14), or leave it empty for none.");
        return null;
    }

    private static string? DateOnlyOf(DateTime? value) => value is { } v ? DateOnly.FromDateTime(v).ToString(DateFormat, CultureInfo.InvariantCulture) : null;
}
