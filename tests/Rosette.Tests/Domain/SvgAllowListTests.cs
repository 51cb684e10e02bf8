using System.Text;
using Rosette.Domain.Badges;

namespace Rosette.Tests.Domain;

/// <summary>Uploaded SVGs: an allow-list, tried against known ways past a block-list (issue 14, item 4).</summary>
public sealed class SvgAllowListTests
{
    private const string Open = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">""";

    public static TheoryData<string, string> Bypasses => new()
    {
        { "XHTML iframe", Open + """<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/></svg>""" },
        { "XHTML script", Open + """<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></svg>""" },
        { "SVG script", Open + """<script>alert(1)</script></svg>""" },
        { "foreignObject", Open + """<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>""" },
        { "stylesheet instruction", """<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css" type="text/css"?>""" + Open + "</svg>" },
        { "stylesheet instruction inside", Open + """<?xml-stylesheet href="data:text/css,x"?></svg>""" },
        { "animate href", Open + """<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>""" },
        { "set href", Open + """<set attributeName="xlink:href" to="javascript:alert(1)"/></svg>""" },
        { "animateTransform", Open + """<rect width="1" height="1"><animateTransform attributeName="transform" type="rotate" values="0;90"/></rect></svg>""" },
        { "link", Open + """<a href="https://evil.example"><rect width="1" height="1"/></a></svg>""" },
        { "xlink javascript", Open + """<use xlink:href="javascript:alert(1)"/></svg>""" },
        { "xlink javascript encoded", Open + """<use xlink:href="&#106;avascript:alert(1)"/></svg>""" },
        { "xlink javascript with a tab", Open + "<use xlink:href=\"java&#9;script:alert(1)\"/></svg>" },
        { "use of another document", Open + """<use href="https://evil.example/sprite.svg#icon"/></svg>""" },
        { "image data svg", Open + """<image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>""" },
        { "image data html", Open + """<image xlink:href="data:text/html;base64,PHNjcmlwdD4="/></svg>""" },
        { "image remote", Open + """<image href="https://evil.example/tracker.png"/></svg>""" },
        { "feImage", Open + """<filter id="f"><feImage href="https://evil.example/x.png"/></filter></svg>""" },
        { "event handler", Open + """<rect onload="alert(1)" width="1" height="1"/></svg>""" },
        { "event handler on root", """<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>""" },
        { "src attribute", Open + """<image src="https://evil.example/x.png"/></svg>""" },
        { "unknown namespaced attribute", Open + """<rect xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="click" width="1" height="1"/></svg>""" },
        { "internal entity", """<!DOCTYPE svg [<!ENTITY x "javascript:alert(1)">]>""" + Open + """<use href="&x;"/></svg>""" },
        { "external entity", """<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>""" + Open + "<text>&x;</text></svg>" },
        { "billion laughs", """<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>""" + Open + "<text>&b;</text></svg>" },
        { "css url in style attribute", Open + """<rect style="fill:url(https://evil.example/x)" width="1" height="1"/></svg>""" },
        { "css url in style element", Open + """<style>rect { background: url(https://evil.example/x) }</style></svg>""" },
        { "css url in CDATA", Open + """<style><![CDATA[rect { fill: url( "//evil.example/x" ) }]]></style></svg>""" },
        { "css import", Open + """<style>@import "https://evil.example/x.css";</style></svg>""" },
        { "css escape", Open + """<style>rect { fill: u\72l(https://evil.example/x) }</style></svg>""" },
        // A URL as a plain string, no url() around it: Chromium loads these from a copy opened outside Rosette.
        { "css image-set in style element", Open + """<style>svg { background-image: image-set("https://evil.example/x.png" 1x) }</style></svg>""" },
        { "css -webkit-image-set in style attribute", Open + """<rect style="mask-image: -webkit-image-set('//evil.example/x.png' 1x)" width="1" height="1"/></svg>""" },
        { "css image()", Open + """<style>rect { background: image("https://evil.example/x.png") }</style></svg>""" },
        { "css cross-fade", Open + """<rect style="background: cross-fade('https://evil.example/a.png', 'b.png', 50%)"/></svg>""" },
        { "css src()", Open + """<style>rect { background: src("https://evil.example/x.png") }</style></svg>""" },
        { "css image-set spaced", Open + """<style>rect { background: IMAGE-SET ( "https://evil.example/x.png" 1x ) }</style></svg>""" },
        { "css expression", Open + """<rect style="width: expression(alert(1))"/></svg>""" },
        { "presentation attribute url", Open + """<rect fill="url(https://evil.example/x#g)" width="1" height="1"/></svg>""" },
        { "mask to another document", Open + """<rect mask="url(other.svg#m)" width="1" height="1"/></svg>""" },
        { "iframe in SVG namespace", Open + """<iframe src="https://evil.example"/></svg>""" },
        { "not svg root", """<html xmlns="http://www.w3.org/1999/xhtml"><svg xmlns="http://www.w3.org/2000/svg"/></html>""" },
        { "svg without namespace", """<svg><rect width="1" height="1"/></svg>""" },
        // Open Badges 3.0, section 5.3.2.1 SVG Baking: verify belongs to <openbadges:credential> only (and OB 2.0's <openbadges:assertion>).
        { "verify on an SVG element", Open + """<rect verify="header.payload.signature" width="1" height="1"/></svg>""" },
        { "verify on the root", """<svg xmlns="http://www.w3.org/2000/svg" verify="header.payload.signature"/>""" },
        { "credential as a processing instruction", Open + """<?openbadges:credential verify="header.payload.signature"?></svg>""" },
    };

    [Theory]
    [MemberData(nameof(Bypasses))]
    public void Detect_KnownBypass_IsRefusedWithAFieldError(string name, string svg)
    {
        var result = BadgeImageContent.Detect(Encoding.UTF8.GetBytes(svg));

        Assert.False(result.IsSuccess, $"{name} was accepted");
        Assert.Equal("invalid_image", result.Error!.Code);
        Assert.Contains("image", ((Rosette.Domain.InvalidError)result.Error).Fields!.Keys);
    }

    public static TheoryData<string, string> Pictures => new()
    {
        { "shapes and text", Open + """<title>Badge</title><circle cx="5" cy="5" r="4" fill="#1f6feb"/><text x="5" y="6" font-family="sans-serif" text-anchor="middle">A</text></svg>""" },
        { "gradient by url(#id)", Open + """<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs><rect fill="url(#g)" style="stroke: url('#g'); stroke-width: 2" width="9" height="9"/></svg>""" },
        { "use and clip paths", Open + """<defs><clipPath id="c"><circle r="3"/></clipPath><path id="p" d="M0 0h5"/></defs><use xlink:href="#p" clip-path="url(#c)"/></svg>""" },
        { "filter", Open + """<filter id="f"><feGaussianBlur stdDeviation="1"/><feOffset dx="1" dy="1"/></filter><rect filter="url(#f)" width="5" height="5"/></svg>""" },
        { "embedded png", Open + """<image width="5" height="5" href="data:image/png;base64,iVBORw0KGgo="/></svg>""" },
        { "quoted font names", Open + """<style>text { font-family: 'Myriad Pro', "Helvetica Neue", sans-serif }</style><text style="font-family: 'Open Sans'">A</text></svg>""" },
        { "style element", Open + """<style>.a { fill: #123456; } rect { fill: url(#g) }</style><rect class="a" width="1" height="1"/></svg>""" },
        { "xml declaration and comments", """<?xml version="1.0" encoding="UTF-8"?><!-- made by hand -->""" + Open + """<g transform="rotate(45)" xml:space="preserve"><rect width="1" height="1"/></g></svg>""" },
        { "baked credential", """<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a.b.c"/><rect width="1" height="1"/></svg>""" },
        { "baked OB 2.0 assertion", """<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://x.example/a"><![CDATA[{}]]></openbadges:assertion><rect width="1" height="1"/></svg>""" },
    };

    [Theory]
    [MemberData(nameof(Pictures))]
    public void Detect_PlainPicture_IsAccepted(string name, string svg)
    {
        var result = BadgeImageContent.Detect(Encoding.UTF8.GetBytes(svg));

        Assert.True(result.IsSuccess, $"{name}: {result.Error?.Message}");
        Assert.Equal(BadgeImageContent.Svg, result.Value);
    }

    [Fact]
    public void Detect_Refusal_NamesWhatWasFound()
    {
        var message = BadgeImageContent.Detect(Encoding.UTF8.GetBytes(Open + """<h:iframe xmlns:h="http://www.w3.org/1999/xhtml"/></svg>""")).Error!.Message;

        Assert.Contains("h:iframe", message, StringComparison.Ordinal);
        Assert.Contains("http://www.w3.org/1999/xhtml", message, StringComparison.Ordinal);
    }
}
