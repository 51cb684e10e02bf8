using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Xml.Linq;
using Rosette.Domain.Badges;

namespace Rosette.Features.Credentials;

/// <summary>
/// Baking: a credential carried inside its badge image. PNG: one uncompressed <c>iTXt</c> chunk, keyword
/// <c>openbadgecredential</c> (OB 3.0, text = the compact JWS) or <c>openbadges</c> (OB 2.0, text = the assertion), placed
/// right after IHDR. SVG: <c>&lt;openbadges:credential verify="JWS"/&gt;</c> as the first child of the root. Whatever
/// credential the image already carried is removed first (<see cref="BakedCredential"/>), so ours is the only one.
/// </summary>
public static class Baking
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] BakePng(byte[] png, string keyword, string text)
    {
        var clean = BakedCredential.RemoveFromPng(png);
        // The first chunk of every PNG is IHDR (BadgeImageContent checks it on upload).
        if (!clean.AsSpan().StartsWith(PngSignature) || clean.Length < 20 || !clean.AsSpan(12, 4).SequenceEqual("IHDR"u8))
        {
            throw new InvalidDataException("Not a PNG starting with IHDR.");
        }
        // Signature (8), then IHDR's length and type (8), data and CRC (4).
        var ihdrLength = BinaryPrimitives.ReadUInt32BigEndian(clean.AsSpan(8));
        if (ihdrLength > clean.Length - 20)
        {
            throw new InvalidDataException("The PNG's IHDR is truncated.");
        }
        var afterIhdr = 20 + (int)ihdrLength;
        using var output = new MemoryStream(clean.Length + text.Length + 64);
        output.Write(clean, 0, afterIhdr);
        WriteITxt(output, keyword, text);
        output.Write(clean, afterIhdr, clean.Length - afterIhdr);
        return output.ToArray();
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

    public static byte[] BakeSvg(byte[] svg, string jws)
    {
        var document = SvgAllowList.Load(svg);
        var root = document.Root ?? throw new InvalidDataException("The SVG has no root element.");
        BakedCredential.RemoveFrom(document);
        XNamespace openbadges = BakedCredential.Ob3Namespace;
        root.SetAttributeValue(XNamespace.Xmlns + "openbadges", BakedCredential.Ob3Namespace);
        root.AddFirst(new XElement(openbadges + "credential", new XAttribute("verify", jws)));
        return BakedCredential.Save(document);
    }
}
