namespace Rosette.Features.Organizations;

public sealed record OrganizationNode(OrganizationDto Organization, int Depth)
{
    /// <summary>The name indented by depth, for a select's options (which cannot hold markup).</summary>
    public string Indented => new string('\u00A0', Depth * 4) + Organization.Name;
}
