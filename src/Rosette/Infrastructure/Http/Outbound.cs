using System.Net;
using System.Net.Sockets;

namespace Rosette.Infrastructure.Http;

/// <summary>Calls Rosette makes to addresses that administrators choose (<c>Rosette:Outbound</c>).</summary>
public sealed class OutboundOptions
{
    public const string Section = "Rosette:Outbound";

    /// <summary>
    /// Lets outbound calls reach loopback and private addresses, over plain http too: for tests and development against a
    /// local stand-in. Off unless set; never turn it on where administrators of organizations are not fully trusted.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}

/// <summary>An outbound call that the policy refused before anything was sent.</summary>
public sealed class OutboundRefusedException(string message) : Exception(message);

/// <summary>
/// The one policy for HTTP calls to addresses that administrators set (badge providers now; sign-in discovery and webhooks
/// later): every connection is made by <see cref="ConnectAsync"/>, which resolves the host itself and connects only to
/// public addresses (never loopback, private, link-local, multicast, unspecified or reserved ones, nor IPv6 forms that embed
/// such an IPv4 address). Because the check is made on the address actually connected to, a DNS answer that changes
/// between a check and the request (rebinding) changes nothing. Redirects and environment proxies are off: either would
/// connect somewhere else than the checked address. A host allow-list, when the use has one, is checked by its caller.
/// </summary>
public static class Outbound
{
    private static readonly IPNetwork[] Blocked =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
            "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:2::/48", "2001:db8::/32",
            "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Whether <paramref name="address"/> is one Rosette may call when private networks are not allowed.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && (Nat64.Contains(address) || SixToFour.Contains(address)))
        {
            // Translation prefixes carry an IPv4 address inside: judge that one.
            var bytes = address.GetAddressBytes();
            return IsPublic(new IPAddress(SixToFour.Contains(address) ? bytes[2..6] : bytes[12..16]));
        }
        return !Blocked.Any(network => network.Contains(address));
    }

    /// <summary>
    /// Whether <paramref name="uri"/> names loopback or a literal address that is not public: refused when saved, before the
    /// connect-time check refuses it again (which also covers names that resolve to such addresses).
    /// </summary>
    public static bool NamesNonPublicHost(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && !IsPublic(address));

    /// <summary>The handler every outbound client must use.</summary>
    public static SocketsHttpHandler CreateHandler(OutboundOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, cancellationToken),
    };

    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => allowPrivateNetworks || IsPublic(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new OutboundRefusedException(
                $"Rosette does not call '{host}': it is not a public address (loopback, private, link-local and similar addresses are refused).");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
