using System.Net;
using System.Net.Sockets;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// The caller's address as rate limits and lockouts count it: the connection's remote address, which the forwarded-headers
/// middleware replaces with the client's only when the request came through a known proxy (see <see cref="ProxySetup"/>).
/// IPv6 callers count per /64, the block one subscriber usually holds.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext? context) => context?.Connection.RemoteIpAddress switch
    {
        null => "unknown",
        { IsIPv4MappedToIPv6: true } mapped => mapped.MapToIPv4().ToString(),
        { AddressFamily: AddressFamily.InterNetworkV6 } v6 => Prefix64(v6),
        var address => address.ToString(),
    };

    private static string Prefix64(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
