using Npgsql;

namespace Rosette.Bench;

/// <summary>A fresh database for one measurement: a temporary SQLite file, or a new PostgreSQL database on ROSETTE_BENCH_POSTGRES.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string? _postgresName;
    private readonly string? _server;

    private BenchDatabase(string provider, string connectionString, string? postgresName, string? server)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresName = postgresName;
        _server = server;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    /// <summary>Left in place when disposed, for looking at its query plans afterwards (the caller deletes it).</summary>
    public bool Keep { get; set; }

    public static async Task<BenchDatabase> CreateAsync(string provider)
    {
        if (provider == "sqlite")
        {
            var file = Path.Combine(Path.GetTempPath(), $"rosette-bench-{Guid.NewGuid():N}.db");
            return new BenchDatabase("sqlite", $"Data Source={file}", null, null);
        }
        var server = Environment.GetEnvironmentVariable("ROSETTE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("--database postgres needs ROSETTE_BENCH_POSTGRES, a connection string to a PostgreSQL server.");
        var name = $"rosette_bench_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin).ExecuteNonQueryAsync();
        }
        return new BenchDatabase("postgres", new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString(), name, server);
    }

    public async ValueTask DisposeAsync()
    {
        if (Keep)
        {
            return;
        }
        if (_postgresName is null)
        {
            var file = ConnectionString["Data Source=".Length..];
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_server);
        await admin.OpenAsync();
        await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresName}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
    }
}
