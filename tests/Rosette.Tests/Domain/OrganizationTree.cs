using Rosette.Domain;
using Rosette.Domain.Organizations;

namespace Rosette.Tests.Domain;

/// <summary>The organizations domain tests place people and badges in: Root, its children A and B, and A's child A1.</summary>
internal static class OrganizationTree
{
    public static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    public static readonly Organization Root = Organization.Create(Actor.System, "Root", null, Now).Value;
    public static readonly Organization A = Organization.Create(Actor.System, "A", Root, Now).Value;
    public static readonly Organization A1 = Organization.Create(Actor.System, "A1", A, Now).Value;
    public static readonly Organization B = Organization.Create(Actor.System, "B", Root, Now).Value;
}
