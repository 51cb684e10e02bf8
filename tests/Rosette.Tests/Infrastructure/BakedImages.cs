using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// Badge images that already carry Open Badges baking data, as a forged or already-baked upload would (Open Badges 3.0
/// "Baking": PNG iTXt keyword openbadgecredential, SVG &lt;openbadges:credential&gt;; Open Badges 2.0 "Baking
/// Specification": PNG keyword openbadges, SVG &lt;openbadges:assertion&gt; in the http://openbadges.org namespace).
/// </summary>
public static class BakedImages
{
    /// <summary>The 1x1 PNG with every kind of Open Badges text chunk, and one unrelated comment (tEXt Comment "kept").</summary>
    public static byte[] PngWithOpenBadgesTexts() => PngWithChunks(
        ("iTXt", [.. "openbadgecredential\0\0\0\0\0old"u8]),
        ("iTXt", [.. "openbadges\0\0\0\0\0{}"u8]),
        ("tEXt", [.. "openbadges\0fake"u8]),
        ("zTXt", [.. "openbadgecredential\0\0"u8, .. ZlibOf("fake")]),
        ("tEXt", [.. "Comment\0kept"u8]));

    /// <summary>The 1x1 PNG with these chunks (right CRCs) right after IHDR.</summary>
    public static byte[] PngWithChunks(params (string Type, byte[] Data)[] chunks)
    {
        var original = Images.Png;
        var output = new MemoryStream();
        output.Write(original.AsSpan(0, 8));
        var offset = 8;
        while (offset < original.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(offset));
            var type = Encoding.ASCII.GetString(original, offset + 4, 4);
            output.Write(original.AsSpan(offset, 12 + length));
            offset += 12 + length;
            if (type == "IHDR")
            {
                foreach (var (chunkType, data) in chunks)
                {
                    WriteChunk(output, chunkType, data);
                }
            }
        }
        return output.ToArray();
    }

    /// <summary>An SVG with a forged OB 3.0 credential and a forged OB 2.0 assertion (with its JSON inside, as 2.0 allows), and a circle.</summary>
    public const string SvgWithOpenBadgesElements =
        """<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" xmlns:ob2="http://openbadges.org" width="10" height="10">"""
        + """<openbadges:credential verify="forged.jws.value"/><ob2:assertion verify="https://evil.example/assertion"><![CDATA[{"forged":true}]]></ob2:assertion>"""
        + """<circle cx="5" cy="5" r="4" fill="#1f6feb"/></svg>""";

    /// <summary>Each chunk's type and, for the text chunks, its keyword.</summary>
    public static List<(string Type, string Keyword)> ChunksWithKeywords(byte[] png)
    {
        var chunks = new List<(string, string)>();
        var offset = 8;
        while (offset < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var keyword = type is "tEXt" or "zTXt" or "iTXt" ? Encoding.Latin1.GetString(data[..data.IndexOf((byte)0)]) : "";
            chunks.Add((type, keyword));
            offset += 12 + length;
        }
        return chunks;
    }

    private static byte[] ZlibOf(string text)
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal))
        {
            zlib.Write(Encoding.Latin1.GetBytes(text));
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        var typeAndData = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type).CopyTo(typeAndData, 0);
        data.CopyTo(typeAndData, 4);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        output.Write(header);
        output.Write(typeAndData);
        output.Write(crc);
    }
}
