namespace Rosette.Data.Upgrades;

/// <summary>One change to stored data that code makes after a migration: the migration adds the row, start-up does the work.</summary>
public sealed class DataUpgrade
{
    public const int MaxNameLength = 100;

    public string Name { get; private set; } = "";

    /// <summary>When it was done; null until then.</summary>
    public DateTime? DoneAt { get; private set; }
}
