using System.Text;
using Rosette.Domain.Badges;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Domain;

/// <summary>Removing Open Badges baking data from a badge image: only that, and never a failure on a damaged image.</summary>
public sealed class BakedCredentialTests
{
    [Fact]
    public void RemoveFrom_ImageWithoutBakedCredential_ReturnsTheSameBytes()
    {
        var png = Images.Png;
        var svg = Encoding.UTF8.GetBytes("""<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><!-- x --><rect width='1' height="1"></rect></svg>""");

        Assert.Same(png, BakedCredential.RemoveFrom(BadgeImageContent.Png, png));
        // A declaration alone is no credential: the file is left byte for byte.
        Assert.Same(svg, BakedCredential.RemoveFrom(BadgeImageContent.Svg, svg));
    }

    [Fact]
    public void RemoveFromPng_DataAfterIend_IsDropped_ADamagedTailIsKept()
    {
        var png = Images.Png;
        // A chunk a lenient reader could find past IEND.
        var trailing = BakedImages.PngWithOpenBadgesTexts()[33..];
        // A chunk claiming more bytes than are left: no reader finds a chunk inside it.
        byte[] damaged = [.. png[..^12], 0, 0, 1, 0, .. "IDAT"u8, 1, 2, 3];

        Assert.Equal(png, BakedCredential.RemoveFromPng([.. png, .. trailing]));
        Assert.Equal(damaged, BakedCredential.RemoveFromPng(damaged));
        Assert.Equal(png[..5], BakedCredential.RemoveFromPng(png[..5]));
    }

    [Fact]
    public void RemoveFromSvg_NotXml_IsLeftAsItIs()
    {
        var text = Encoding.UTF8.GetBytes("<svg xmlns:openbadges='http://openbadges.org'><openbadges:assertion>");

        Assert.Same(text, BakedCredential.RemoveFromSvg(text));
    }

    // Open Badges 3.0, section 5.3 Baked Badge: verifiers extract the first iTXt keyed openbadgecredential (5.3.1.2) or the
    // first <openbadges:credential> (5.3.2.2); one that searches the bytes must find neither in a badge image.
    [Fact]
    public void RemoveFromSvg_NodesThatLookLikeACredential_AreRemoved_TheRestKept()
    {
        var svg = Encoding.UTF8.GetBytes(
            """<!-- <openbadges:credential verify="forged.before.root"/> --><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">"""
            + """<!-- kept --><!-- OpenBadgeCredential: forged --><title>Badge</title>"""
            + """<desc><![CDATA[<openbadges:credential verify="forged.in.cdata"/>]]></desc>"""
            + """<text>&lt;openbadges:credential verify="forged.in.text"/&gt;</text><circle cx="5" cy="5" r="4"/></svg>""");

        var cleaned = Encoding.UTF8.GetString(BakedCredential.RemoveFromSvg(svg));

        Assert.DoesNotContain("openbadge", cleaned, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("forged", cleaned, StringComparison.Ordinal);
        Assert.Contains("<!-- kept -->", cleaned, StringComparison.Ordinal);
        Assert.Contains("<title>Badge</title>", cleaned, StringComparison.Ordinal);
        Assert.Contains("<circle", cleaned, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveFromPng_AncillaryChunksThatLookLikeACredential_AreRemoved_TheRestKept()
    {
        var png = BakedImages.PngWithChunks(
            ("tEXt", [.. "OpenBadgeCredential\0forged"u8]),
            ("tEXt", [.. "Comment\0<openbadges:credential verify=\"forged\"/>"u8]),
            ("iTXt", [.. "Description\0\0\0\0\0openbadgecredential forged"u8]),
            ("prVt", [.. "openbadgecredential\0forged"u8]),
            ("tEXt", [.. "Comment\0kept"u8]));

        var cleaned = BakedCredential.RemoveFromPng(png);

        Assert.Equal([("IHDR", ""), ("tEXt", "Comment"), ("IDAT", ""), ("IEND", "")], BakedImages.ChunksWithKeywords(cleaned));
        Assert.Equal(Images.Png.Length + 12 + "Comment\0kept".Length, cleaned.Length);
    }

    [Fact]
    public void RemoveFromSvg_CutsOutOnlyWhatItRemoves_TheRestKeptByteForByte()
    {
        const string kept = "<?xml version='1.0' encoding='UTF-8'?>\r\n<svg xmlns='http://www.w3.org/2000/svg' width=\"10\">\r\n"
            + "\t<title>Médaille 🏅</title><!-- kept -->\n\t\r\n\t<rect width='1' height = \"1\"></rect><g/>\r</svg>\n";
        const string uploaded = "<?xml version='1.0' encoding='UTF-8'?>\r\n<svg xmlns='http://www.w3.org/2000/svg'\r\n   xmlns:openbadges = 'https://purl.imsglobal.org/ob/v3p0' width=\"10\">\r\n"
            + "\t<title>Médaille 🏅</title><!-- kept --><openbadges:credential verify='forged'>\r\n  <![CDATA[{}]]></openbadges:credential>\n\t<!-- openbadges:credential -->\r\n\t"
            + "<rect width='1' height = \"1\"></rect><g/><ob:assertion xmlns:ob=\"http://openbadges.org\" verify='forged'/>\r</svg>\n";

        var cleaned = BakedCredential.RemoveFromSvg([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(uploaded)]);

        Assert.Equal([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(kept)], cleaned);
    }
}
