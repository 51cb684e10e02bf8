using Npgsql;
using Rosette.Data;

namespace Rosette.Tests.Data;

/// <summary>The PostgreSQL pool's default size: Rosette's when the connection string names none, the operator's otherwise.</summary>
public sealed class PostgresPoolTests
{
    [Fact]
    public void SizePostgresPool_NoneNamed_UsesRosettesDefault()
    {
        var sized = new NpgsqlConnectionStringBuilder(DatabaseRegistration.SizePostgresPool("Host=db;Database=rosette;Username=app"));

        Assert.Equal(DatabaseRegistration.DefaultPostgresPoolSize, sized.MaxPoolSize);
        Assert.Equal(("db", "rosette", "app"), (sized.Host, sized.Database, sized.Username));
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=100", 100)]
    [InlineData("Host=db;maximum pool size=7", 7)]
    [InlineData("Host=db;maxpoolsize=50", 50)]
    public void SizePostgresPool_Named_KeepsIt(string connectionString, int expected)
    {
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(DatabaseRegistration.SizePostgresPool(connectionString)).MaxPoolSize);
    }
}
