using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Domain.Users;

namespace Rosette.Tests.Infrastructure;

/// <summary>One app host on its own database for a test class. Tests in the class build their own <see cref="World"/>s, so they never share rows.</summary>
public class AppFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private RosetteFactory? _factory;
    private string? _passwordHash;

    public RosetteFactory Factory => _factory ?? throw new InvalidOperationException("Not started.");

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Not started.");

    /// <summary>What the host logged (Information and up), for tests that check what is, or is never, logged.</summary>
    public LogCapture Logs { get; } = new();

    public virtual async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.CreateMigratedAsync();
        _factory = CreateFactory(_database);
        _factory.StartServer(); // an in-memory TestServer, or Kestrel on a real port when the factory asked for it
        await using var scope = _factory.Services.CreateAsyncScope();
        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        var probe = User.Create("probe@rosette.test", "P", "P", Guid.Empty, UserRole.Student, DateTime.UnixEpoch).Value;
        _passwordHash = hasher.HashPassword(probe, World.Password);
    }

    protected virtual RosetteFactory CreateFactory(TestDatabase database) => new(database, logs: Logs);

    /// <summary>A fresh organization tree with people, classes and badges (see <see cref="World"/>).</summary>
    public Task<World> NewWorldAsync() => World.CreateAsync(Factory, _passwordHash!);

    public Task<HttpClient> ClientAsync(User user) => Factory.ClientForAsync(user);

    /// <summary>The system administrator made by the bootstrap.</summary>
    public Task<User> RootAsync() => Factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == RosetteFactory.AdminEmail));

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
