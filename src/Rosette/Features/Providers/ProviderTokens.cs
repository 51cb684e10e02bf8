using Microsoft.AspNetCore.DataProtection;

namespace Rosette.Features.Providers;

/// <summary>Provider API tokens are encrypted at rest with Data Protection (its key ring is shared and encrypted); nothing returns them.</summary>
public sealed class ProviderTokens(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Rosette.Providers.ApiToken.v1");

    public string Protect(string token) => _protector.Protect(token);

    public string Unprotect(string protectedToken) => _protector.Unprotect(protectedToken);
}
