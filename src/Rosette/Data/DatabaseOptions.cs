namespace Rosette.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Rosette:Database";

    /// <summary><c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Apply pending migrations when the app starts (the <c>migrate</c> verb does it on demand).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>SQLite: how often the app copies its write-ahead log into the database file (<see cref="SqliteCheckpointer"/>).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longer, and the log would hold a day of writes that every read searches through.</summary>
    public static readonly TimeSpan LongestCheckpointInterval = TimeSpan.FromDays(1);

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "postgresql", StringComparison.OrdinalIgnoreCase);
}
