using System.Buffers.Binary;
using Rosette.Domain;
using Rosette.Domain.Badges;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Domain;

/// <summary>
/// Uploaded PNGs are read chunk by chunk (PNG specification, sections 5.3 chunk layout, 5.5 CRC, 5.6 ordering: IHDR first,
/// IEND last), since baking inserts a chunk after IHDR (Open Badges 3.0, section 5.3.1.1 PNG Baking).
/// </summary>
public sealed class BadgeImageContentTests
{
    public static TheoryData<string, byte[]> DamagedPngs()
    {
        var png = Images.Png;
        var badCrc = png.ToArray();
        badCrc[^13]--; // the last byte of IDAT's CRC
        var badData = png.ToArray();
        badData[45]++; // a byte of IDAT's data
        var overlong = png.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(overlong.AsSpan(33), 0xFFFFFFF0); // IDAT's length
        return new()
        {
            { "no IEND", png[..^12] },
            { "IEND cut short", png[..^2] },
            { "a chunk longer than the file", overlong },
            { "a chunk without its CRC", [.. png[..^12], 0, 0, 0, 4, .. "tEXt"u8, .. "a\0bc"u8] },
            { "a bad CRC", badCrc },
            { "data that no longer matches its CRC", badData },
            { "IHDR alone", png[..33] },
            { "IDAT before IHDR", [.. png[..8], .. png[33..^12], .. png[8..33], .. png[^12..]] },
            { "a second IHDR", [.. png[..33], .. png[8..]] },
        };
    }

    [Theory]
    [MemberData(nameof(DamagedPngs))]
    public void Detect_DamagedPng_IsRefusedAsInvalidImage(string name, byte[] png)
    {
        var result = BadgeImageContent.Detect(png);

        Assert.False(result.IsSuccess, $"{name} was accepted");
        Assert.Equal("invalid_image", result.Error!.Code);
        Assert.Contains("image", ((InvalidError)result.Error).Fields!.Keys);
        Assert.StartsWith("The PNG is truncated or damaged: ", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_WholePng_IsAccepted_BytesAfterIendToo()
    {
        // Bytes after IEND are no chunk: they are dropped when the image is stored (BakedCredentialTests).
        Assert.Equal(BadgeImageContent.Png, BadgeImageContent.Detect(Images.Png).Value);
        Assert.Equal(BadgeImageContent.Png, BadgeImageContent.Detect(BakedImages.PngWithOpenBadgesTexts()).Value);
        Assert.Equal(BadgeImageContent.Png, BadgeImageContent.Detect([.. Images.Png, 1, 2, 3]).Value);
    }
}
