using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Rosette.Domain.Users;

namespace Rosette.Infrastructure.Auth;

/// <summary>
/// Identity's data protection tokens (password reset links), dated and expired on the app's <see cref="TimeProvider"/>
/// like everything else; Identity itself reads the system clock. The token keeps Identity's format (creation time, user
/// id, purpose, security stamp), so the base class still checks all but the time.
/// </summary>
public sealed class ClockedTokenProvider(
    IDataProtectionProvider protection, IOptions<DataProtectionTokenProviderOptions> options, ILogger<DataProtectorTokenProvider<User>> logger, TimeProvider clock)
    : DataProtectorTokenProvider<User>(protection, options, logger)
{
    public override async Task<string> GenerateAsync(string purpose, UserManager<User> manager, User user)
    {
        using var stream = new MemoryStream();
        await using (var writer = new BinaryWriter(stream, new UTF8Encoding(false, true), leaveOpen: true))
        {
            writer.Write(clock.GetUtcNow().UtcTicks);
            writer.Write(await manager.GetUserIdAsync(user));
            writer.Write(purpose ?? "");
            writer.Write(manager.SupportsUserSecurityStamp ? await manager.GetSecurityStampAsync(user) ?? "" : "");
        }
        return Convert.ToBase64String(Protector.Protect(stream.ToArray()));
    }

    public override async Task<bool> ValidateAsync(string purpose, string token, UserManager<User> manager, User user) =>
        await base.ValidateAsync(purpose, token, manager, user) && CreatedAt(token) + Options.TokenLifespan >= clock.GetUtcNow();

    private DateTimeOffset CreatedAt(string token)
    {
        using var reader = new BinaryReader(new MemoryStream(Protector.Unprotect(Convert.FromBase64String(token))));
        return new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
    }
}
