using Rosette.Data;
using Rosette.Domain;
using Rosette.Features.Badges;

namespace Rosette.Features.Home;

/// <summary>What the home page shows besides the classes (which come from <see cref="Classes.ClassesHandler"/>).</summary>
public sealed class HomeHandler(RosetteDb db, TimeProvider clock)
{
    /// <summary>The badges the actor holds, newest first.</summary>
    public async Task<IReadOnlyList<HeldBadge>> MyBadgesAsync(Actor actor, CancellationToken cancellationToken)
    {
        var held = await db.HeldBadgesAsync([actor.UserId], clock.UtcNowSeconds(), cancellationToken);
        return held[actor.UserId].OrderByDescending(h => h.IssuedAt).ThenBy(h => h.Name, StringComparer.CurrentCulture).ToList();
    }
}
