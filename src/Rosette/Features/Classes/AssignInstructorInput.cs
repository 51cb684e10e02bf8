using Rosette.Domain.Classes;

namespace Rosette.Features.Classes;

/// <summary>The class page's form that assigns an instructor.</summary>
public sealed class AssignInstructorInput
{
    /// <summary>An instructor of the scope, chosen from the list.</summary>
    public Guid? UserId { get; set; }

    /// <summary>Or the id of an instructor of another organization (a contract instructor gives it to the administrator).</summary>
    public string? OtherUserId { get; set; }

    public InstructorKind Kind { get; set; } = InstructorKind.Organization;
}
