using System.Buffers.Binary;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Rosette.Domain.Badges;

/// <summary>
/// A credential baked into a badge image (Open Badges 3.0 "Baking", Open Badges 2.0 "Baking Specification"). PNG: a
/// <c>tEXt</c>, <c>zTXt</c> or <c>iTXt</c> chunk keyed <c>openbadgecredential</c> (3.0) or <c>openbadges</c> (2.0). SVG: an
/// element in the 3.0 namespace (<c>&lt;openbadges:credential&gt;</c>) or the 2.0 one (<c>&lt;openbadges:assertion&gt;</c>).
/// A badge image is the achievement's, never an award's: whatever an uploaded image carries is removed when it is
/// uploaded and again when it is served or baked (images stored before the upload removed it), so the only credential in
/// a badge image is the one Rosette bakes for an award.
/// </summary>
public static class BakedCredential
{
    public const string Ob3Keyword = "openbadgecredential";
    public const string Ob2Keyword = "openbadges";
    public const string Ob3Namespace = "https://purl.imsglobal.org/ob/v3p0";
    public const string Ob2Namespace = "http://openbadges.org";

    /// <summary>The image without any baked credential: the same array when it carries none.</summary>
    public static byte[] RemoveFrom(string contentType, byte[] image) => contentType switch
    {
        BadgeImageContent.Png => RemoveFromPng(image),
        BadgeImageContent.Svg => RemoveFromSvg(image),
        _ => image,
    };

    /// <summary>
    /// The PNG without its Open Badges text chunks and without anything after <c>IEND</c> (where a reader that goes on
    /// could still find one); every other chunk is copied as it was, CRC included. A damaged tail (a chunk longer than
    /// what is left) is kept as it is: no reader can find a chunk inside it.
    /// </summary>
    public static byte[] RemoveFromPng(byte[] png)
    {
        const int signature = 8;
        if (png.Length < signature)
        {
            return png;
        }
        using var output = new MemoryStream(png.Length);
        output.Write(png, 0, signature);
        var offset = signature;
        while (offset < png.Length)
        {
            var left = png.Length - offset;
            var length = left < 12 ? -1L : BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (length < 0 || length > left - 12)
            {
                output.Write(png, offset, left);
                break;
            }
            var chunk = png.AsSpan(offset, 12 + (int)length);
            offset += chunk.Length;
            if (IsBakedChunk(chunk))
            {
                continue;
            }
            output.Write(chunk);
            if (chunk[4..8].SequenceEqual("IEND"u8))
            {
                break;
            }
        }
        return output.Length == png.Length ? png : output.ToArray();
    }

    // All three PNG text chunk types start with "keyword NUL".
    private static bool IsBakedChunk(ReadOnlySpan<byte> chunk)
    {
        var type = chunk[4..8];
        if (!type.SequenceEqual("tEXt"u8) && !type.SequenceEqual("zTXt"u8) && !type.SequenceEqual("iTXt"u8))
        {
            return false;
        }
        var data = chunk[8..^4];
        var end = data.IndexOf((byte)0);
        var keyword = end < 0 ? data : data[..end];
        return keyword.SequenceEqual(Encoding.Latin1.GetBytes(Ob3Keyword)) || keyword.SequenceEqual(Encoding.Latin1.GetBytes(Ob2Keyword));
    }

    /// <summary>
    /// The SVG without its Open Badges elements and namespace declarations, read as uploads are (<see cref="SvgAllowList.Load"/>);
    /// the same array when it has no such element. An SVG that is not XML has nothing an XML reader could find and is left as it is
    /// (uploads never are: the allow-list reads them first).
    /// </summary>
    public static byte[] RemoveFromSvg(byte[] svg)
    {
        XDocument document;
        try
        {
            document = SvgAllowList.Load(svg);
        }
        catch (XmlException)
        {
            return svg;
        }
        return RemoveFrom(document) ? Save(document) : svg;
    }

    /// <summary>
    /// Removes every element in an Open Badges namespace (both versions) below the root, and the declarations of those
    /// namespaces; whether there was such an element (a declaration alone carries no credential).
    /// </summary>
    public static bool RemoveFrom(XDocument document)
    {
        if (document.Root is not { } root)
        {
            return false;
        }
        var elements = root.Descendants().Where(e => e.Name.NamespaceName is Ob3Namespace or Ob2Namespace).ToList();
        var declarations = root.DescendantsAndSelf().Attributes().Where(a => a.IsNamespaceDeclaration && a.Value is Ob3Namespace or Ob2Namespace).ToList();
        elements.Remove();
        declarations.Remove();
        return elements.Count > 0;
    }

    /// <summary>The document as UTF-8, with an XML declaration only if it had one.</summary>
    public static byte[] Save(XDocument document)
    {
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), OmitXmlDeclaration = document.Declaration is null }))
        {
            document.Save(writer);
        }
        return output.ToArray();
    }
}
