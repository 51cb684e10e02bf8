namespace Rosette.Domain.Badges;

/// <summary>
/// A badge image is a PNG or an SVG, at most 1 MB, recognised by its bytes and never by a file name.
/// SVGs are served from our own origin and baked into credentials, so only what <see cref="SvgAllowList"/> allows is accepted.
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
        return SvgAllowList.WhyNot(data) is { } why
            ? Invalid($"The image must be a PNG or an SVG picture without scripts, links or external references. {why}")
            : Svg;
    }

    private static InvalidError Invalid(string message) => InvalidError.Field("image", "invalid_image", message);
}
