using System.Text;

namespace Rosette.Infrastructure.Http;

/// <summary>Where a sign-in may send the browser afterwards (a return URL from the query): a path of this site only.</summary>
public static class LocalUrl
{
    /// <summary>
    /// <paramref name="url"/> when it is a path of this site, ready for a <c>Location</c> header; otherwise <c>/</c>.
    /// Refused: anything not starting with one <c>/</c>, <c>//</c> and <c>/\</c> (another host to a browser), and control
    /// characters, which browsers strip (<c>/&lt;tab&gt;/evil.example</c> becomes <c>//evil.example</c>), as
    /// ASP.NET Core's <c>IsLocalUrl</c> does. Spaces and non-ASCII characters are percent-encoded as UTF-8: a header
    /// carries ASCII only, and a raw one made the redirect throw.
    /// </summary>
    public static string OrHome(string? url)
    {
        if (url is not { Length: > 0 } || url[0] != '/' || url.Length > 1 && url[1] is '/' or '\\' || url.Any(char.IsControl))
        {
            return "/";
        }
        if (url.All(c => c is > ' ' and < '\u007f'))
        {
            return url;
        }
        var encoded = new StringBuilder(url.Length + 16);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.Value is > ' ' and < 0x7f)
            {
                encoded.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(bytes);
            foreach (var b in bytes[..length])
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }
}
