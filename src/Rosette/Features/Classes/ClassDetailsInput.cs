namespace Rosette.Features.Classes;

/// <summary>The class page's details form.</summary>
public sealed class ClassDetailsInput
{
    public string? Name { get; set; }

    public DateOnly? StartsAt { get; set; }

    public DateOnly? EndsAt { get; set; }

    /// <summary>The form as stored.</summary>
    public static ClassDetailsInput From(ClassDto stored) =>
        new() { Name = stored.Name, StartsAt = DateOnlyOf(stored.StartsAt), EndsAt = DateOnlyOf(stored.EndsAt) };

    private static DateOnly? DateOnlyOf(DateTime? value) => value is { } v ? DateOnly.FromDateTime(v) : null;
}
