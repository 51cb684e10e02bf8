using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Rosette.Data;

namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// Data Protection keys live in the database, so every instance shares them; they are stored encrypted with a
/// certificate kept outside the database (Rosette:DataProtection:CertificatePath, default data/keys/dataprotection.pfx).
/// A database copy alone therefore reveals no secret. Instances that share a database must share the certificate.
/// </summary>
public static class KeyRingEncryption
{
    public const string DefaultCertificatePath = "data/keys/dataprotection.pfx";

    public static IServiceCollection AddRosetteDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var path = configuration["Rosette:DataProtection:CertificatePath"] ?? DefaultCertificatePath;
        var password = configuration["Rosette:DataProtection:CertificatePassword"];
        var certificate = LoadOrCreate(path, password);
        services.AddSingleton(new KeyRingCertificate(Path.GetFullPath(path), certificate.Thumbprint));
        services.AddDataProtection()
            .SetApplicationName("Rosette")
            .PersistKeysToDbContext<RosetteDb>()
            .ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate(certificate);
        return services;
    }

    private static X509Certificate2 LoadOrCreate(string path, string? password)
    {
        if (File.Exists(path))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=Rosette Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        var pfx = created.Export(X509ContentType.Pfx, password);
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Written whole under another name, then moved into place: a process that starts at the same moment reads either
        // no certificate or a whole one, never a half-written file. The move does not replace a file (on Linux it links),
        // so of two that race one keeps its own and the other uses it.
        var written = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(written, PrivateFiles.NewFile()))
            {
                file.Write(pfx);
            }
            File.Move(written, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
        }
        finally
        {
            File.Delete(written);
        }
        return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
    }
}

/// <summary>Which certificate this instance decrypts the key ring with, for the error when it cannot.</summary>
public sealed record KeyRingCertificate(string Path, string Thumbprint);

/// <summary>
/// A reason not to start that the operator must fix; shown as one line, without a stack trace, on stderr and in the
/// host's "Hosting failed to start" log alike.
/// </summary>
public sealed class StartupException(string message) : Exception(message)
{
    public override string ToString() => $"{GetType().FullName}: {Message}";
}
