using Rosette.Domain;
using Rosette.Infrastructure.Http;

namespace Rosette.Features.Organizations;

/// <summary>The organizations of an administrator's scope as a tree, for pages: from the API's list, depth-first by name.</summary>
public static class OrganizationTree
{
    public const int MaxShown = PageRequest.MaxPageSize;

    public static async Task<Result<IReadOnlyList<OrganizationNode>>> LoadAsync(this OrganizationsHandler handler, Actor actor, CancellationToken cancellationToken)
    {
        var list = await handler.ListAsync(actor, new PageRequest(1, MaxShown, null), cancellationToken);
        return list.IsSuccess ? Result.Success(Flatten(list.Value.Items)) : list.Error;
    }

    public static IReadOnlyList<OrganizationNode> Flatten(IReadOnlyList<OrganizationDto> organizations)
    {
        var ids = organizations.Select(o => o.Id).ToHashSet();
        var children = organizations.ToLookup(o => o.ParentId is { } parent && ids.Contains(parent) ? parent : (Guid?)null);
        var result = new List<OrganizationNode>(organizations.Count);
        void Walk(Guid? parent, int depth)
        {
            foreach (var organization in children[parent].OrderBy(o => o.Name, StringComparer.CurrentCultureIgnoreCase))
            {
                result.Add(new OrganizationNode(organization, depth));
                Walk(organization.Id, depth + 1);
            }
        }
        Walk(null, 0);
        return result;
    }

    /// <summary>The nodes below <paramref name="rootId"/>, in tree order.</summary>
    public static IReadOnlyList<OrganizationNode> DescendantsOf(IReadOnlyList<OrganizationNode> tree, Guid rootId)
    {
        var start = tree.ToList().FindIndex(n => n.Organization.Id == rootId);
        if (start < 0)
        {
            return [];
        }
        var depth = tree[start].Depth;
        return tree.Skip(start + 1).TakeWhile(n => n.Depth > depth).ToList();
    }
}
