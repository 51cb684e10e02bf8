using System.Net.Sockets;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Rosette.Data;
using Rosette.Data.Upgrades;

namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// Runs before the server takes requests: applies migrations, makes sure the shared Data Protection key ring has a
/// key (created under a lock, so instances starting together agree on it), and gives an empty database its first
/// administrator or the demo data. A shutdown requested meanwhile (SIGTERM, Ctrl+C) stops it, logged in one line.
/// </summary>
public sealed class DatabaseStartup(
    IServiceProvider services, DatabaseOptions options, IConfiguration configuration, TimeProvider clock, ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await StartUpAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host does not log this cancellation (HandledOutcomeLogs) and the entry point exits with 0, as after start-up.
            logger.LogInformation("Rosette stopped before start-up finished: a shutdown was requested.");
            throw;
        }
    }

    private async Task StartUpAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RosetteDb>();
        if (options.MigrateOnStart)
        {
            await MigrateAsync(scope.ServiceProvider, cancellationToken);
        }
        else
        {
            await ConnectAsync(db, cancellationToken);
        }
        await db.WithInstallationLockAsync(() =>
        {
            EnsureDataProtectionKey(scope.ServiceProvider);
            return Task.CompletedTask;
        }, cancellationToken);
        var bootstrap = scope.ServiceProvider.GetRequiredService<Bootstrap>();
        if (configuration.GetValue<bool>("Rosette:Demo"))
        {
            await bootstrap.SeedDemoAsync(Console.Out, cancellationToken);
        }
        else
        {
            await bootstrap.EnsureAdministratorAsync(Console.Out, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Applies the migrations, then the data upgrades they asked for (<see cref="DataUpgrades"/>).</summary>
    public static async Task MigrateAsync(IServiceProvider scoped, CancellationToken cancellationToken)
    {
        var db = scoped.GetRequiredService<RosetteDb>();
        await ConnectAsync(db, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await SqlitePragmas.UseWriteAheadLogAsync(db, cancellationToken);
        await DataUpgrades.RunPendingAsync(db, scoped.GetRequiredService<ILogger<DatabaseStartup>>(), scoped.GetRequiredService<TimeProvider>(), cancellationToken);
    }

    /// <summary>
    /// The first thing start-up asks of the database: a PostgreSQL server that cannot be reached or refuses the login is a
    /// setting (or a server) to fix, named by host and port; the password is never shown. Only opening the connection is
    /// translated: any later database error is a bug and keeps its stack trace.
    /// </summary>
    private static async Task ConnectAsync(RosetteDb db, CancellationToken cancellationToken)
    {
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        // Npgsql's execution strategy wraps a failure it deems transient in an InvalidOperationException.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && (e is NpgsqlException or SocketException ? e : e.InnerException) is (NpgsqlException or SocketException) and var failure)
        {
            var server = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());
            var reason = failure is PostgresException refused ? $"{refused.SqlState}: {refused.MessageText}" : (failure.InnerException ?? failure).Message;
            throw new StartupException($"cannot connect to the database at {server.Host}:{server.Port} (ConnectionStrings:Rosette): {reason}");
        }
        await db.Database.CloseConnectionAsync();
    }

    private void EnsureDataProtectionKey(IServiceProvider scoped)
    {
        var keys = scoped.GetRequiredService<IKeyManager>();
        var now = clock.GetUtcNow();
        var all = keys.GetAllKeys();
        // A key this instance cannot decrypt means another certificate encrypted the ring: serving on would sign nobody in,
        // read no token and no stored secret, and make keys of its own that the other instances cannot read either.
        if (all.Any(k => !k.IsRevoked && k.ExpirationDate > now && !Readable(k)))
        {
            var certificate = scoped.GetRequiredService<KeyRingCertificate>();
            throw new StartupException(
                $"the Data Protection key ring in the database was encrypted with another certificate than {certificate.Path} (thumbprint {certificate.Thumbprint}). "
                + "Every instance that shares a database must use the same certificate (Rosette:DataProtection:CertificatePath): copy the certificate of the "
                + "instances already running to this one.");
        }
        var usable = all.Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(7));
        if (!usable)
        {
            keys.CreateNewKey(now, now.AddDays(90));
        }
    }

    private static bool Readable(IKey key)
    {
        try
        {
            _ = key.Descriptor;
            return true;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            return false;
        }
    }
}
