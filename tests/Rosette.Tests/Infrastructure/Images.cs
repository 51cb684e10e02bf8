using System.Text;

namespace Rosette.Tests.Infrastructure;

public static class Images
{
    /// <summary>A real 1x1 PNG.</summary>
    public const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    public const string Svg = """<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4" fill="#1f6feb"/></svg>""";

    public static byte[] Png => Convert.FromBase64String(PngBase64);

    public static string PngDataUri => $"data:image/png;base64,{PngBase64}";

    public static string SvgDataUri(string svg = Svg) => $"data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))}";
}
