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
}
