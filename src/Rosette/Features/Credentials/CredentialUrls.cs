using Rosette.Features.Badges;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Features.Credentials;

/// <summary>
/// Every public URL of the credentials, absolute, on <c>Rosette:PublicBaseUrl</c> (by default the address Rosette is told to
/// listen on, see <see cref="ListeningAddress"/>, else http://localhost:5000). Ids
/// inside signed credentials are these URLs, so the base must be the address verifiers reach; OB 3.0 wants https for
/// the key's <c>kid</c>, so production sets an https base (the app may sit behind a TLS-terminating proxy).
/// </summary>
public sealed partial class CredentialUrls
{
    public const string Section = "Rosette:PublicBaseUrl";
    public const string DefaultBaseUrl = "http://localhost:5000";

    /// <summary>How an error names the addresses to listen on.</summary>
    private const string ListeningSetting = "an address to listen on (--urls or ASPNETCORE_URLS, ';' between several)";

    public CredentialUrls(string baseUrl) : this(baseUrl, Section)
    {
    }

    private CredentialUrls(string baseUrl, string setting)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new StartupException($"{setting} must be an absolute http(s) URL without query or fragment, not '{baseUrl}'.");
        }
        Base = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        IsHttps = uri.Scheme == Uri.UriSchemeHttps;
    }

    public static CredentialUrls From(IConfiguration configuration)
    {
        // Every address is checked, not only the one ids are built on: Kestrel would stop on any other with a stack trace.
        foreach (var address in ListeningUrls(configuration))
        {
            _ = new CredentialUrls(address, ListeningSetting);
        }
        return configuration[Section] is { Length: > 0 } value ? new(value)
            : ListeningAddress(configuration) is { } listening ? new(listening)
            : new(DefaultBaseUrl);
    }

    /// <summary>
    /// The address the server is told to listen on: <c>--urls</c> / <c>ASPNETCORE_URLS</c> (an https one first), else a
    /// Kestrel endpoint, else <c>ASPNETCORE_HTTPS_PORTS</c> / <c>ASPNETCORE_HTTP_PORTS</c>; a wildcard host (<c>*</c>, <c>+</c>,
    /// <c>0.0.0.0</c>, <c>[::]</c>) reads as localhost. Null when nothing is set (Kestrel's own default is http://localhost:5000).
    /// </summary>
    public static string? ListeningAddress(IConfiguration configuration)
    {
        var urls = ListeningUrls(configuration).ToList();
        var chosen = urls.FirstOrDefault(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) ?? urls.FirstOrDefault();
        return chosen is not null ? chosen
            : FirstPort(configuration["https_ports"]) is { } https ? $"https://localhost:{https}"
            : FirstPort(configuration["http_ports"]) is { } http ? $"http://localhost:{http}"
            : null;
    }

    private static IEnumerable<string> ListeningUrls(IConfiguration configuration) =>
        (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>())
            .Select(u => WildcardHost().Replace(u, "${scheme}localhost"));

    private static string? FirstPort(string? ports) =>
        ports?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<scheme>https?://)(\*|\+|0\.0\.0\.0|\[::\])(?=[:/]|$)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex WildcardHost();

    /// <summary>Without a trailing slash, e.g. https://badges.example.org.</summary>
    public string Base { get; }

    public bool IsHttps { get; }

    public static string CredentialId(Guid awardId) => $"urn:uuid:{awardId:D}";

    /// <summary>A path of this site made absolute on the public base: links shown or sent to people never follow the request's Host header.</summary>
    public string Absolute(string path) => Base + path;

    public string Page(Guid awardId) => $"{Base}/credentials/{awardId:D}";

    public string Jwt(Guid awardId) => $"{Page(awardId)}.jwt";

    public string Json(Guid awardId) => $"{Page(awardId)}.json";

    public string Png(Guid awardId) => $"{Page(awardId)}.png";

    public string Svg(Guid awardId) => $"{Page(awardId)}.svg";

    public string Issuer(Guid organizationId) => $"{Base}/ob3/issuers/{organizationId:D}";

    public string RevocationList(Guid organizationId) => $"{Issuer(organizationId)}/revocations";

    /// <summary>An issuer's W3C Bitstring Status List credential; lists are numbered from 1.</summary>
    public string StatusList(Guid organizationId, int number) => $"{Issuer(organizationId)}/status/{number}";

    public string Achievement(Guid badgeId) => $"{Base}/ob3/achievements/{badgeId:D}";

    public string Key(Guid keyId) => $"{Base}/ob3/keys/{keyId:D}";

    public string Jwks => $"{Base}/.well-known/jwks.json";

    public string BadgeImage(Guid badgeId, int version) => Base + BadgeImages.Url(badgeId, version);

    public string Ob2Assertion(Guid awardId) => $"{Base}/ob2/assertions/{awardId:D}";

    public string Ob2AssertionPng(Guid awardId) => $"{Ob2Assertion(awardId)}.png";

    public string Ob2Badge(Guid badgeId) => $"{Base}/ob2/badges/{badgeId:D}";

    public string Ob2Issuer(Guid organizationId) => $"{Base}/ob2/issuers/{organizationId:D}";

    /// <summary>A public id in a URL: only the canonical form of a UUID, lower case, nothing around it (any other spelling is not found: one resource, one URL).</summary>
    public static bool TryParseId(string? value, out Guid id) =>
        Guid.TryParseExact(value, "D", out id) && string.Equals(value, id.ToString("D"), StringComparison.Ordinal);
}
