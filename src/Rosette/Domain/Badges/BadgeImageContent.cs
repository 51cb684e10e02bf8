using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Rosette.Domain.Badges;

/// <summary>
/// A badge image is a PNG or an SVG, at most 1 MB, recognised by its bytes and never by a file name.
/// SVGs are served from our own origin and baked into credentials, so only what <see cref="SvgAllowList"/> allows is accepted;
/// a PNG must be whole (every chunk complete with a right CRC-32, IHDR first, IEND last), since it is baked by its chunks.
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
            return WhyNotPng(data) is { } damage ? Invalid($"The PNG is truncated or damaged: {damage}") : Png;
        }
        return SvgAllowList.WhyNot(data) is { } why
            ? Invalid($"The image must be a PNG or an SVG picture without scripts, links or external references. {why}")
            : Svg;
    }

    /// <summary>
    /// Null when the PNG's chunks are whole (PNG specification, section 5.3: length, type, data, CRC-32 of type and data)
    /// from an IHDR of 13 bytes to IEND; otherwise what is wrong. Bytes after IEND are no chunk: they are dropped when the
    /// image is stored (<see cref="BakedCredential"/>).
    /// </summary>
    private static string? WhyNotPng(ReadOnlySpan<byte> png)
    {
        var offset = PngSignature.Length;
        while (offset < png.Length)
        {
            var left = png.Length - offset;
            if (left < 12)
            {
                return $"it ends with {left} bytes at byte {offset}, too few for a chunk.";
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[offset..]);
            var type = png.Slice(offset + 4, 4);
            if (length > (uint)(left - 12))
            {
                return $"the chunk at byte {offset} runs past the end of the file.";
            }
            if (!IsChunkType(type))
            {
                return $"the chunk at byte {offset} has no chunk type.";
            }
            var typeAndData = png.Slice(offset + 4, 4 + (int)length);
            if (Crc32.HashToUInt32(typeAndData) != BinaryPrimitives.ReadUInt32BigEndian(png[(offset + 8 + (int)length)..]))
            {
                return $"its {Encoding.ASCII.GetString(type)} chunk at byte {offset} fails its CRC check.";
            }
            var ihdr = type.SequenceEqual("IHDR"u8);
            if ((offset == PngSignature.Length) != ihdr || (ihdr && length != 13))
            {
                return "it must start with one IHDR chunk of 13 bytes.";
            }
            offset += 12 + (int)length;
            if (type.SequenceEqual("IEND"u8))
            {
                return null;
            }
        }
        return "it has no IEND chunk at its end.";
    }

    // Four ASCII letters (PNG specification, section 5.4).
    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }
        return true;
    }

    private static InvalidError Invalid(string message) => InvalidError.Field("image", "invalid_image", message);
}
