using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rosette.Data;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A private database for one test host, on the lane's engine: SQLite (a temporary file) by default, or PostgreSQL when
/// ROSETTE_TEST_DATABASE=postgres (server from ROSETTE_TEST_POSTGRES). <see cref="CreateAsync"/> gives an empty one, on
/// which the app applies the migrations itself at start; <see cref="CreateMigratedAsync"/> gives a copy of a template that
/// this test process migrated once, through the same start-up step.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly string SqliteFolder = Path.Combine(Path.GetTempPath(), "rosette-tests");
    private static readonly SemaphoreSlim TemplateTurn = new(1, 1);
    private static TestDatabase? _template;

    private readonly string? _postgresName;

    private TestDatabase(string provider, string connectionString, string? postgresName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresName = postgresName;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public bool IsPostgres => Provider == "postgres";

    public static bool PostgresLane => string.Equals(Environment.GetEnvironmentVariable("ROSETTE_TEST_DATABASE"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string PostgresServer => Environment.GetEnvironmentVariable("ROSETTE_TEST_POSTGRES")
        ?? throw new InvalidOperationException("ROSETTE_TEST_DATABASE=postgres needs ROSETTE_TEST_POSTGRES (a connection string to a server); ./test.sh sets both.");

    /// <summary>An empty database: the app's start applies every migration to it.</summary>
    public static Task<TestDatabase> CreateAsync() => CreateFromAsync(null);

    /// <summary>
    /// A database with every migration and data upgrade applied and nothing else (no key ring, no administrator: the host's
    /// start makes those, and finds no migration to apply). For the fixtures, which would otherwise each run every
    /// migration: tests of a first start, of migrations and of upgrades use <see cref="CreateAsync()"/>.
    /// </summary>
    public static async Task<TestDatabase> CreateMigratedAsync() => await CreateFromAsync(await TemplateAsync());

    private static async Task<TestDatabase> CreateFromAsync(TestDatabase? template)
    {
        if (!PostgresLane)
        {
            Directory.CreateDirectory(SqliteFolder);
            var file = Path.Combine(SqliteFolder, $"{Guid.NewGuid():N}.db");
            if (template is not null)
            {
                // The template is never written once migrated; its log file, if any, goes with it.
                var source = template.ConnectionString["Data Source=".Length..];
                File.Copy(source, file);
                if (File.Exists(source + "-wal"))
                {
                    File.Copy(source + "-wal", file + "-wal");
                }
            }
            return new TestDatabase("sqlite", $"Data Source={file}", null);
        }
        var name = $"rosette_test_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(PostgresServer))
        {
            await admin.OpenAsync();
            var from = template is null ? "" : $" TEMPLATE \"{template._postgresName}\"";
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{from}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name };
        return new TestDatabase("postgres", builder.ToString(), name);
    }

    /// <summary>This process's template, migrated by <see cref="DatabaseStartup.MigrateAsync"/> on first use; dropped when the process exits.</summary>
    private static async Task<TestDatabase> TemplateAsync()
    {
        await TemplateTurn.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }
            var template = await CreateFromAsync(null);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Rosette:Database:Provider"] = template.Provider,
                ["ConnectionStrings:Rosette"] = template.ConnectionString,
            }).Build();
            await using (var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddRosetteDatabase(configuration).BuildServiceProvider())
            await using (var scope = services.CreateAsyncScope())
            {
                await DatabaseStartup.MigrateAsync(scope.ServiceProvider, CancellationToken.None);
            }
            // No connection may stay open on it: PostgreSQL copies only a template nobody is connected to, and SQLite
            // writes its log back into the file when the last connection closes.
            if (template.IsPostgres)
            {
                NpgsqlConnection.ClearAllPools();
            }
            else
            {
                SqliteConnection.ClearAllPools();
            }
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropAtExit(template);
            return _template = template;
        }
        finally
        {
            TemplateTurn.Release();
        }
    }

    /// <summary>Best effort: a server already stopped (test.sh's throw-away cluster) has nothing left to drop.</summary>
    private static void DropAtExit(TestDatabase template)
    {
        try
        {
            template.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NpgsqlException or IOException)
        {
            Console.Error.WriteLine($"The template database was not dropped: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(PostgresServer);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresName}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        else
        {
            var file = ConnectionString["Data Source=".Length..];
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }
}
