using Microsoft.EntityFrameworkCore;
using Rosette.Domain;

namespace Rosette.Data.Upgrades;

/// <summary>
/// Changes to stored data that SQL cannot make, because they need .NET's own code (IDNA, for one). The migration that needs
/// one inserts its row into <c>DataUpgrades</c>; start-up (<c>DatabaseStartup.MigrateAsync</c>, after the migrations and
/// before the instance serves) runs every upgrade not yet done, under the installation lock, then marks it done. An upgrade
/// is idempotent: one stopped half-way (a crash, a shutdown) runs again from the start on the next start-up.
/// </summary>
public static class DataUpgrades
{
    private static readonly Dictionary<string, Func<RosetteDb, ILogger, CancellationToken, Task>> Known = new(StringComparer.Ordinal)
    {
        [NormalizeEmailDomains.Name] = NormalizeEmailDomains.RunAsync,
    };

    public static Task RunPendingAsync(RosetteDb db, ILogger logger, TimeProvider clock, CancellationToken cancellationToken) =>
        db.WithInstallationLockAsync(async () =>
        {
            var pending = await db.Set<DataUpgrade>().Where(u => u.DoneAt == null).OrderBy(u => u.Name).Select(u => u.Name).ToListAsync(cancellationToken);
            foreach (var name in pending)
            {
                if (!Known.TryGetValue(name, out var run))
                {
                    // A later version's upgrade, met by an earlier version still running beside it: that version does it.
                    logger.LogWarning("The data upgrade {Upgrade} is not known to this version of Rosette; it is left to the version that added it.", name);
                    continue;
                }
                await run(db, logger, cancellationToken);
                var now = clock.UtcNowSeconds();
                await db.Set<DataUpgrade>().Where(u => u.Name == name).ExecuteUpdateAsync(s => s.SetProperty(u => u.DoneAt, now), cancellationToken);
                logger.LogInformation("Data upgrade {Upgrade} done.", name);
            }
        }, cancellationToken);
}
