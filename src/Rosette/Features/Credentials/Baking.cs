using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Rosette.Features.Credentials;

/// <summary>
/// Baking: a credential carried inside its badge image. PNG: one uncompressed <c>iTXt</c> chunk, keyword
/// <c>openbadgecredential</c> (OB 3.0, text = the compact JWS) or <c>openbadges</c> (OB 2.0, text = the assertion), placed
/// right after IHDR; any earlier Open Badges text chunk (<c>tEXt</c>, <c>zTXt</c> or <c>iTXt</c> with either keyword) is
/// dropped, so there is exactly one. SVG:
/// <c>&lt;openbadges:credential verify="JWS"/&gt;</c> as the first child of the root.
/// </summary>
public static class Baking
{
    public const string Ob3Keyword = "openbadgecredential";
    public const string Ob2Keyword = "openbadges";
    public const string SvgNamespace = "https://purl.imsglobal.org/ob/v3p0";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] BakePng(ReadOnlySpan<byte> png, string keyword, string text)
    {
        if (!png.StartsWith(PngSignature))
        {
            throw new InvalidDataException("Not a PNG.");
        }
        using var output = new MemoryStream(png.Length + text.Length + 64);
        output.Write(PngSignature);
        var offset = PngSignature.Length;
        var baked = false;
        while (offset + 12 <= png.Length)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png[offset..]));
            var chunk = png.Slice(offset, checked(12 + length));
            var type = chunk.Slice(4, 4);
            offset += chunk.Length;
            if (IsTextChunk(type) && IsOpenBadgesText(chunk.Slice(8, length)))
            {
                continue;
            }
            output.Write(chunk);
            if (!baked && type.SequenceEqual("IHDR"u8))
            {
                WriteITxt(output, keyword, text);
                baked = true;
            }
            if (type.SequenceEqual("IEND"u8))
            {
                break;
            }
        }
        return baked ? output.ToArray() : throw new InvalidDataException("The PNG has no IHDR chunk.");
    }

    // All three PNG text chunk types start with "keyword NUL".
    private static bool IsTextChunk(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("iTXt"u8) || type.SequenceEqual("tEXt"u8) || type.SequenceEqual("zTXt"u8);

    private static bool IsOpenBadgesText(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf((byte)0);
        var keyword = end < 0 ? data : data[..end];
        return keyword.SequenceEqual(Encoding.Latin1.GetBytes(Ob3Keyword)) || keyword.SequenceEqual(Encoding.Latin1.GetBytes(Ob2Keyword));
    }

    private static void WriteITxt(Stream output, string keyword, string text)
    {
        // keyword NUL, compression flag 0 (uncompressed), method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
        var data = new MemoryStream();
        data.Write(Encoding.Latin1.GetBytes(keyword));
        data.Write([0, 0, 0, 0, 0]);
        data.Write(Encoding.UTF8.GetBytes(text));
        var body = data.ToArray();
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)body.Length);
        "iTXt"u8.CopyTo(header[4..]);
        var crc = new Crc32();
        crc.Append(header[4..]);
        crc.Append(body);
        output.Write(header);
        output.Write(body);
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(checksum, crc.GetCurrentHashAsUInt32());
        output.Write(checksum);
    }

    public static byte[] BakeSvg(ReadOnlySpan<byte> svg, string jws)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        XDocument document;
        using (var reader = XmlReader.Create(new MemoryStream(svg.ToArray(), writable: false), settings))
        {
            document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
        }
        var root = document.Root ?? throw new InvalidDataException("The SVG has no root element.");
        XNamespace openbadges = SvgNamespace;
        root.Descendants(openbadges + "credential").Remove();
        root.Attributes().Where(a => a.IsNamespaceDeclaration && a.Value == SvgNamespace).Remove();
        root.SetAttributeValue(XNamespace.Xmlns + "openbadges", SvgNamespace);
        root.AddFirst(new XElement(openbadges + "credential", new XAttribute("verify", jws)));
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false }))
        {
            document.Save(writer);
        }
        return output.ToArray();
    }
}
