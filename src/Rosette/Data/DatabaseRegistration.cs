using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Data;

public static class DatabaseRegistration
{
    public const string DefaultSqliteConnection = "Data Source=data/rosette.db";

    public static IServiceCollection AddRosetteDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (options.CheckpointInterval <= TimeSpan.Zero || options.CheckpointInterval > DatabaseOptions.LongestCheckpointInterval)
        {
            throw new StartupException(
                $"Rosette:Database:CheckpointInterval must be more than 00:00:00 and at most {DatabaseOptions.LongestCheckpointInterval:c}; it is {options.CheckpointInterval:c}.");
        }
        services.AddSingleton(options);
        var connectionString = configuration.GetConnectionString("Rosette");
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new StartupException("Rosette:Database:Provider is postgres but ConnectionStrings:Rosette is not set.");
            }
            var postgres = ValidConnectionString("PostgreSQL", () => SizePostgresPool(connectionString));
            services.AddDbContextPool<RosetteDb, PostgresRosetteDb>((sp, o) => ConfigurePostgres(LogFailedCommands(o, sp), postgres));
        }
        else
        {
            var sqlite = ValidConnectionString("SQLite", () => PrepareSqlite(connectionString ?? DefaultSqliteConnection));
            var pragmas = new SqlitePragmas();
            services.AddSingleton(pragmas);
            services.AddDbContextPool<RosetteDb, SqliteRosetteDb>((sp, o) => ConfigureSqlite(LogFailedCommands(o, sp), sqlite, pragmas));
            if (SqliteCheckpointer.Applies(sqlite))
            {
                services.AddHostedService(sp => new SqliteCheckpointer(pragmas, options, sqlite, sp.GetRequiredService<ILogger<SqliteCheckpointer>>()));
            }
        }
        services.AddScoped<ActivityStore>();
        services.AddScoped<AchievementStore>();
        services.AddScoped<DeliveryStore>();
        services.AddScoped<OutboxStore>();
        services.AddScoped<WebhookStore>();
        return services;
    }

    /// <summary>A connection string the provider cannot read, or a SQLite file that cannot be created, is a setting to fix.</summary>
    private static string ValidConnectionString(string provider, Func<string> prepare)
    {
        try
        {
            return prepare();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new StartupException($"ConnectionStrings:Rosette is not a valid {provider} connection string: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"the SQLite database named by ConnectionStrings:Rosette cannot be created: {e.Message}");
        }
    }

    /// <summary>Connections per instance when the connection string does not say (Npgsql's own default is 100).</summary>
    public const int DefaultPostgresPoolSize = 20;

    /// <summary>
    /// A connection string that names no Maximum Pool Size gets <see cref="DefaultPostgresPoolSize"/>: under a burst each
    /// request waiting for CPU would otherwise hold a connection of its own, and the pool grows to 100 new server processes
    /// whose caches start empty (docs/benchmarks.md, "Achievements"), and a few instances together pass the server's
    /// max_connections. One named in the connection string is kept.
    /// </summary>
    public static string SizePostgresPool(string connectionString)
    {
        // Npgsql's builder cannot tell a value given from its default; the plain one lists the keys given (any synonym).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant());
        if (given.Any(k => k is "MAXIMUMPOOLSIZE" or "MAXPOOLSIZE"))
        {
            return connectionString;
        }
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultPostgresPoolSize }.ConnectionString;
    }

    /// <summary>EF Core's Errors for a failed command and a failed save become Debug; <see cref="CommandFailures"/> logs failures.</summary>
    private static DbContextOptionsBuilder LogFailedCommands(DbContextOptionsBuilder builder, IServiceProvider services) =>
        builder.AddInterceptors(new CommandFailures(services.GetRequiredService<ILoggerFactory>()))
            .ConfigureWarnings(w => w.Log([.. CommandFailures.Replaced.Select(e => (e, LogLevel.Debug))]));

    /// <summary>EF Core's table of applied migrations, named on PostgreSQL without a schema (the connection's search path).</summary>
    public const string MigrationsHistoryTable = "__EFMigrationsHistory";

    internal static void ConfigurePostgres(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable)).ConfigureWarnings(Warnings);

    /// <summary>SQLite with <paramref name="pragmas"/> (the host's), or settings of its own that checkpoint at commits.</summary>
    internal static void ConfigureSqlite(DbContextOptionsBuilder builder, string connectionString, SqlitePragmas? pragmas = null) =>
        builder.UseSqlite(connectionString).AddInterceptors(pragmas ?? new SqlitePragmas()).ConfigureWarnings(Warnings);

    // The capped totals of KeysetPaging count any 10,001 rows (an order cannot change a count, and without one PostgreSQL
    // stops a plain scan early: 8-12 ms against 76-134 ms in the list's order at 1M awards); every page query orders.
    private static void Warnings(WarningsConfigurationBuilder warnings) => warnings.Ignore(CoreEventId.RowLimitingOperationWithoutOrderByWarning);

    /// <summary>
    /// Creates the folder (0700) and the database file (0600) unless they exist, and waits on a busy database rather than
    /// failing at once.
    /// </summary>
    private static string PrepareSqlite(string connectionString)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (csb.DefaultTimeout < 30)
        {
            csb.DefaultTimeout = 30;
        }
        if (csb.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(csb.DataSource) && csb.DataSource != ":memory:")
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(csb.DataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                PrivateFiles.CreateDirectory(folder);
            }
            if (csb.Mode is SqliteOpenMode.ReadWriteCreate)
            {
                PrivateFiles.EnsureFile(Path.GetFullPath(csb.DataSource));
            }
        }
        return csb.ToString();
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without starting the app.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteRosetteDb>
{
    public SqliteRosetteDb CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteRosetteDb>();
        DatabaseRegistration.ConfigureSqlite(builder, "Data Source=design.db");
        return new SqliteRosetteDb(builder.Options);
    }
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresRosetteDb>
{
    public PostgresRosetteDb CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresRosetteDb>();
        DatabaseRegistration.ConfigurePostgres(builder, "Host=localhost;Database=rosette_design");
        return new PostgresRosetteDb(builder.Options);
    }
}
