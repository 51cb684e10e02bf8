namespace Rosette.Domain.Providers;

/// <summary>
/// Where a provider's API may be: https on a host of the allow-list (Credly's production and sandbox APIs, and the hosts an
/// operator adds). Plain http only where the installation allows private networks (tests, development). The rule is checked
/// when an administrator saves a provider and again before every request, so that a changed allow-list takes effect at once.
/// </summary>
public sealed class ProviderAddressRules(IEnumerable<string> extraHosts, bool allowPlainHttp)
{
    public static readonly IReadOnlyList<string> DefaultHosts = ["api.credly.com", "sandbox-api.credly.com"];

    private readonly HashSet<string> _hosts = new(DefaultHosts.Concat(extraHosts.Select(h => h.Trim())), StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Hosts => _hosts;

    public bool Allows(Uri uri) =>
        (uri.Scheme == Uri.UriSchemeHttps || (allowPlainHttp && uri.Scheme == Uri.UriSchemeHttp))
        && string.IsNullOrEmpty(uri.UserInfo) && _hosts.Contains(uri.IdnHost);

    /// <summary>The base URL as stored (no trailing slash), or a field error that names the allowed hosts.</summary>
    public Result<string> Parse(string? value)
    {
        var trimmed = value?.Trim().TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return InvalidError.Field("apiBaseUrl", InvalidError.ValidationFailed, "'apiBaseUrl' must be an absolute https URL, e.g. https://api.credly.com/v1.");
        }
        if (!Allows(uri))
        {
            return InvalidError.Field("apiBaseUrl", "provider_host_not_allowed",
                $"'apiBaseUrl' must be https on an allowed host: {string.Join(", ", _hosts.Order(StringComparer.Ordinal))} (an operator adds hosts with Rosette:Providers:AllowedHosts).");
        }
        return trimmed!;
    }

    /// <summary>Scheme, host and port: the token entered for one origin is never sent to another.</summary>
    public static string Origin(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() : url;
}
