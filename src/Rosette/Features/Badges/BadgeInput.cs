namespace Rosette.Features.Badges;

/// <summary>The Basic Information tab's fields, shared by the create and edit pages.</summary>
public sealed class BadgeInput
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Criteria { get; set; }

    public Guid? OrganizationId { get; set; }

    public bool AllowManualIssuance { get; set; }
}
