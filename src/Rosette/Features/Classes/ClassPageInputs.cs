using Rosette.Domain.Classes;

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

/// <summary>The class page's form that assigns an instructor.</summary>
public sealed class AssignInstructorInput
{
    /// <summary>An instructor of the scope, chosen from the list.</summary>
    public Guid? UserId { get; set; }

    /// <summary>Or the id of an instructor of another organization (a contract instructor gives it to the administrator).</summary>
    public string? OtherUserId { get; set; }

    public InstructorKind Kind { get; set; } = InstructorKind.Organization;
}
