namespace Rosette.Features.Organizations;

/// <summary>The organization form of the Organizations pages, for adding one and for editing one.</summary>
public sealed class OrganizationInput
{
    public string? Name { get; set; }

    public Guid? ParentId { get; set; }

    public bool EnableAchievements { get; set; }

    public string? Language { get; set; }
}
