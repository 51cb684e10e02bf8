namespace Rosette.Tests.Data.Upgrades;

/// <summary>
/// The data test of one migration (see README.md beside this file). The upgrade test applies the migrations one at a
/// time to a database that holds data; after each it calls, in order: <see cref="Upgrade"/> (how the migration changes
/// rows written before it), a check that every row written so far holds what is expected, <see cref="SeedAsync"/> (rows in
/// the schema the migration leaves, so later migrations are tested on them too) and <see cref="CheckAsync"/>.
/// </summary>
public abstract class MigrationData
{
    /// <summary>The migration's name, as in its file name after the timestamp (both providers' migrations share it).</summary>
    public abstract string Migration { get; }

    /// <summary>States what the migration does to rows written before it: new columns' values, renamed or computed ones.</summary>
    public virtual void Upgrade(SeededRows rows)
    {
    }

    /// <summary>Writes rows with SQL of the schema this migration leaves, using the columns it adds.</summary>
    public virtual Task SeedAsync(SeededRows rows, SeedIds ids) => Task.CompletedTask;

    /// <summary>Anything else to check once this migration is applied (an index, a constraint, a backfill).</summary>
    public virtual Task CheckAsync(SeededRows rows, System.Data.Common.DbConnection connection) => Task.CompletedTask;
}

/// <summary>
/// The ids of what the first migration's data wrote, so that later migrations' rows can refer to them, and the final
/// check can use the app on them.
/// </summary>
public sealed class SeedIds
{
    public const string AdminEmail = "upgrade.admin@rosette.test";
    public const string Password = "upgrade-password-1";

    public Guid Root { get; } = Guid.CreateVersion7();
    public Guid Child { get; } = Guid.CreateVersion7();
    public Guid Admin { get; } = Guid.CreateVersion7();
    public Guid Instructor { get; } = Guid.CreateVersion7();
    public Guid Student { get; } = Guid.CreateVersion7();
    public Guid OtherStudent { get; } = Guid.CreateVersion7();
    public Guid Course { get; } = Guid.CreateVersion7();
    public Guid Assignment { get; } = Guid.CreateVersion7();
    public Guid Class { get; } = Guid.CreateVersion7();
    public Guid Badge { get; } = Guid.CreateVersion7();
    public Guid OtherBadge { get; } = Guid.CreateVersion7();
    public Guid Batch { get; } = Guid.CreateVersion7();
    public Guid Award { get; } = Guid.CreateVersion7();
    public Guid RevokedAward { get; } = Guid.CreateVersion7();
    public Guid Provider { get; } = Guid.CreateVersion7();
    public Guid Achievement { get; } = Guid.CreateVersion7();
    public const string BatchKey = "upgrade-batch-key";
    public const string PendingEvent = "upgrade-event-pending";
}
