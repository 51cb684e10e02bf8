using System.Xml;

namespace Rosette.Domain.Badges;

/// <summary>
/// A badge image is a PNG or an SVG, at most 1 MB, recognised by its bytes and never by a file name.
/// SVGs are served from our own origin and baked into credentials, so scripts, event handlers, embedded
/// HTML and external references are refused.
/// </summary>
public static class BadgeImageContent
{
    public const int MaxBytes = 1024 * 1024;
    public const string Png = "image/png";
    public const string Svg = "image/svg+xml";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The content type of <paramref name="data"/>, or why it is not an acceptable badge image.</summary>
    public static Result<string> Detect(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return Invalid("The image is empty.");
        }
        if (data.Length > MaxBytes)
        {
            return BadgeErrors.ImageTooLarge;
        }
        if (data.StartsWith(PngSignature))
        {
            // The first chunk of every PNG is IHDR, 13 bytes long.
            return data.Length >= 33 && data[8..16].SequenceEqual("\0\0\0\rIHDR"u8) ? Png : Invalid("The PNG is truncated or damaged.");
        }
        return IsSafeSvg(data) ? Svg : Invalid("The image must be a PNG or an SVG without scripts or external references.");
    }

    private static bool IsSafeSvg(ReadOnlySpan<byte> data)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var stream = new MemoryStream(data.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            var sawRoot = false;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }
                if (!sawRoot)
                {
                    if (reader.LocalName != "svg" || reader.NamespaceURI != "http://www.w3.org/2000/svg")
                    {
                        return false;
                    }
                    sawRoot = true;
                }
                if (reader.LocalName is "script" or "foreignObject" || !AttributesAreSafe(reader))
                {
                    return false;
                }
            }
            return sawRoot;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    private static bool AttributesAreSafe(XmlReader reader)
    {
        for (var more = reader.MoveToFirstAttribute(); more; more = reader.MoveToNextAttribute())
        {
            var name = reader.LocalName;
            if (name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (name == "href" && !reader.Value.TrimStart().StartsWith('#') && !reader.Value.TrimStart().StartsWith("data:image/", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        reader.MoveToElement();
        return true;
    }

    private static InvalidError Invalid(string message) => InvalidError.Field("image", "invalid_image", message);
}
