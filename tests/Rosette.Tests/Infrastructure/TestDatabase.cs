using Npgsql;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A private, empty database for one test host, on the lane's engine: SQLite (a temporary file) by default, or
/// PostgreSQL when ROSETTE_TEST_DATABASE=postgres (server from ROSETTE_TEST_POSTGRES). The app applies the
/// migrations itself at start, so every test host also tests the migrations.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
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

    public static async Task<TestDatabase> CreateAsync()
    {
        if (!PostgresLane)
        {
            var folder = Path.Combine(Path.GetTempPath(), "rosette-tests");
            Directory.CreateDirectory(folder);
            return new TestDatabase("sqlite", $"Data Source={Path.Combine(folder, $"{Guid.NewGuid():N}.db")}", null);
        }
        var name = $"rosette_test_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(PostgresServer))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name };
        return new TestDatabase("postgres", builder.ToString(), name);
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
