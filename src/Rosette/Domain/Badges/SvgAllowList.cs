using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Rosette.Domain.Badges;

/// <summary>
/// What an uploaded SVG may contain: a static picture and nothing else. Elements and attributes are on an allow-list (SVG
/// shapes, text, gradients, patterns, clipping, masks and filters; no script, animation, links, foreign content or
/// external resources); references stay inside the document (<c>#id</c>, <c>url(#id)</c>) except raster images embedded
/// as base64 PNG, JPEG, GIF or WebP; no DTD, entity or processing instruction. Badge images go out baked into credentials,
/// to wallets and other sites that may not send our Content-Security-Policy, so anything else is refused, with what it was.
/// </summary>
public static partial class SvgAllowList
{
    public const string SvgNamespace = "http://www.w3.org/2000/svg";
    private const string XlinkNamespace = "http://www.w3.org/1999/xlink";
    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private static readonly HashSet<string> Elements =
    [
        "svg", "g", "defs", "symbol", "use", "title", "desc", "metadata", "style", "switch",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "image",
        "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
        "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
        "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
        "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting",
        "feSpotLight", "feTile", "feTurbulence",
    ];

    private static readonly HashSet<string> Attributes =
    [
        "id", "class", "style", "lang", "version", "baseProfile", "x", "y", "width", "height", "viewBox", "preserveAspectRatio",
        "transform", "d", "pathLength", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2", "points", "dx", "dy", "rotate",
        "textLength", "lengthAdjust", "startOffset", "method", "spacing", "side", "href", "type", "media",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
        "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color", "display", "visibility", "overflow",
        "clip", "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "filter", "filterUnits",
        "primitiveUnits", "marker", "marker-start", "marker-mid", "marker-end", "markerWidth", "markerHeight", "markerUnits",
        "refX", "refY", "orient", "font", "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant",
        "font-weight", "text-anchor", "text-decoration", "text-rendering", "dominant-baseline", "alignment-baseline",
        "baseline-shift", "letter-spacing", "word-spacing", "writing-mode", "direction", "unicode-bidi",
        "gradientUnits", "gradientTransform", "spreadMethod", "fx", "fy", "fr", "offset", "stop-color", "stop-opacity",
        "patternUnits", "patternContentUnits", "patternTransform", "shape-rendering", "image-rendering", "color-interpolation",
        "color-interpolation-filters", "color-rendering", "paint-order", "vector-effect", "mix-blend-mode", "isolation",
        "enable-background", "in", "in2", "result", "stdDeviation", "mode", "values", "operator", "k1", "k2", "k3", "k4",
        "flood-color", "flood-opacity", "lighting-color", "radius", "scale", "xChannelSelector", "yChannelSelector",
        "baseFrequency", "numOctaves", "seed", "stitchTiles", "kernelMatrix", "kernelUnitLength", "order", "divisor", "bias",
        "targetX", "targetY", "edgeMode", "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant",
        "specularExponent", "azimuth", "elevation", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "z",
        "tableValues", "slope", "intercept", "amplitude", "exponent", "requiredFeatures", "systemLanguage",
    ];

    /// <summary>How an uploaded SVG is read, to judge it or to rewrite it: no DTD, no entity, nothing resolved.</summary>
    internal static XmlReader Reader(ReadOnlySpan<byte> svg, bool ignoreComments) =>
        XmlReader.Create(new MemoryStream(svg.ToArray(), writable: false), new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = ignoreComments,
            IgnoreProcessingInstructions = false,
            MaxCharactersFromEntities = 0,
            CloseInput = true,
        });

    /// <summary>An SVG as a document to rewrite (removing a baked credential, baking one), read as <see cref="WhyNot"/> reads it.</summary>
    /// <exception cref="XmlException">It is not well-formed XML, or has a DTD.</exception>
    public static XDocument Load(ReadOnlySpan<byte> svg)
    {
        using var reader = Reader(svg, ignoreComments: false);
        return XDocument.Load(reader, LoadOptions.PreserveWhitespace);
    }

    /// <summary>Null when <paramref name="svg"/> is a safe static SVG; otherwise what is wrong, for the uploader.</summary>
    public static string? WhyNot(ReadOnlySpan<byte> svg)
    {
        try
        {
            using var reader = Reader(svg, ignoreComments: true);
            var sawRoot = false;
            var inStyle = 0;
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.ProcessingInstruction:
                        return $"It contains a processing instruction (<?{reader.Name} ...?>), such as a stylesheet link.";
                    case XmlNodeType.EntityReference:
                        return "It contains an entity reference.";
                    case XmlNodeType.Element:
                        if (!sawRoot && (reader.LocalName != "svg" || reader.NamespaceURI != SvgNamespace))
                        {
                            return "It is not an SVG document (the root element must be <svg> in the SVG namespace).";
                        }
                        sawRoot = true;
                        if (WhyNotElement(reader) is { } element)
                        {
                            return element;
                        }
                        var elementName = reader.LocalName;
                        var empty = reader.IsEmptyElement;
                        if (WhyNotAttributes(reader, elementName, baked: reader.NamespaceURI != SvgNamespace) is { } attribute)
                        {
                            return attribute;
                        }
                        if (elementName == "style" && !empty)
                        {
                            inStyle++;
                        }
                        break;
                    case XmlNodeType.EndElement when reader.LocalName == "style" && reader.NamespaceURI == SvgNamespace:
                        inStyle--;
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA when inStyle > 0:
                        if (WhyNotCss(reader.Value) is { } css)
                        {
                            return $"Its <style> element {css}";
                        }
                        break;
                }
            }
            return sawRoot ? null : "It is not an SVG document.";
        }
        catch (XmlException e)
        {
            return e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase)
                ? "It contains a document type declaration (<!DOCTYPE>), which may define entities."
                : "It is not well-formed XML.";
        }
    }

    private static string? WhyNotElement(XmlReader reader)
    {
        var allowed = reader.NamespaceURI switch
        {
            SvgNamespace => Elements.Contains(reader.LocalName),
            // A baked credential, so that a baked image can be uploaded again: it is removed (BakedCredential).
            BakedCredential.Ob3Namespace => reader.LocalName == "credential",
            BakedCredential.Ob2Namespace => reader.LocalName == "assertion",
            _ => false,
        };
        return allowed ? null : $"It contains <{reader.Name}>{InNamespace(reader.NamespaceURI)}, which badge images may not use.";
    }

    /// <summary>
    /// <paramref name="baked"/>: the element is an Open Badges one (<see cref="WhyNotElement"/> lets no other namespace
    /// through), the only element that may carry <c>verify</c> (OB 3.0 "Baking", SVG: <c>&lt;openbadges:credential verify=…&gt;</c>).
    /// </summary>
    private static string? WhyNotAttributes(XmlReader reader, string element, bool baked)
    {
        for (var more = reader.MoveToFirstAttribute(); more; more = reader.MoveToNextAttribute())
        {
            var (name, value) = (reader.LocalName, reader.Value);
            var problem = reader.NamespaceURI switch
            {
                XmlnsNamespace => null,
                XmlNamespace => name is "space" or "lang" ? null : Refused(reader, element),
                XlinkNamespace => name == "href" ? WhyNotHref(element, value) : name == "title" ? null : Refused(reader, element),
                "" when name == "verify" && baked => null,
                "" when !Attributes.Contains(name) => Refused(reader, element),
                "" when name == "href" => WhyNotHref(element, value),
                "" when name == "style" => WhyNotCss(value) is { } css ? $"Its style attribute on <{element}> {css}" : null,
                "" => WhyNotValue(element, name, value),
                _ => Refused(reader, element),
            };
            if (problem is not null)
            {
                reader.MoveToElement();
                return problem;
            }
        }
        reader.MoveToElement();
        return null;
    }

    private static string Refused(XmlReader reader, string element) =>
        $"It contains the attribute {reader.Name}{InNamespace(reader.NamespaceURI)} on <{element}>, which badge images may not use.";

    /// <summary>Links stay inside the document; an embedded picture may be a base64 raster image.</summary>
    private static string? WhyNotHref(string element, string value)
    {
        var href = Unblank(value);
        if (href.StartsWith('#') && href.Length > 1 && !href.Contains('(', StringComparison.Ordinal))
        {
            return null;
        }
        if (element == "image" && EmbeddedRaster().IsMatch(href))
        {
            return null;
        }
        return $"It refers to '{Shown(href)}' from <{element}>: only references inside the image (#id), and on <image> embedded PNG, JPEG, GIF or WebP data, are allowed.";
    }

    /// <summary>Presentation attributes may refer only inside the document (fill="url(#gradient)").</summary>
    private static string? WhyNotValue(string element, string name, string value) =>
        RefersOutside(Unblank(value))
            ? $"Its attribute {name} on <{element}> refers outside the image ('{Shown(value)}'): only url(#id) is allowed."
            : null;

    /// <summary>
    /// A url() to anything but #id, or a CSS function that takes its URL as a plain string (image-set("…") and its -webkit-
    /// form, image(), cross-fade(), src(), element()): browsers load those as url() does.
    /// </summary>
    private static bool RefersOutside(string text) =>
        (text.Contains("url(", StringComparison.OrdinalIgnoreCase) && !LocalUrlsOnly(text)) || StringUrlFunction().IsMatch(text);

    private static string? WhyNotCss(string css)
    {
        var text = Unblank(css);
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            return "uses CSS escapes, which can hide what the style loads.";
        }
        if (text.Contains('@', StringComparison.Ordinal))
        {
            return "uses an at-rule (@import, @font-face...), which can load other resources.";
        }
        if (text.Contains("expression(", StringComparison.OrdinalIgnoreCase) || text.Contains("javascript:", StringComparison.OrdinalIgnoreCase))
        {
            return "contains script.";
        }
        return RefersOutside(text) ? "refers outside the image: only url(#id) is allowed." : null;
    }

    private static bool LocalUrlsOnly(string value) =>
        CssUrl().Matches(Unblank(value)).All(m => LocalUrl().IsMatch(m.Value));

    /// <summary>Without the whitespace and control characters that browsers skip inside URLs and schemes ("java\tscript:").</summary>
    private static string Unblank(string value) => string.Concat(value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)));

    private static string InNamespace(string ns) => ns is "" or SvgNamespace ? "" : $" (namespace {ns})";

    private static string Shown(string value) => value.Length > 60 ? value[..60] + "…" : value;

    [GeneratedRegex(@"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$", RegexOptions.IgnoreCase)]
    private static partial Regex EmbeddedRaster();

    [GeneratedRegex(@"(image-set|image|cross-fade|src|element)\(", RegexOptions.IgnoreCase)]
    private static partial Regex StringUrlFunction();

    [GeneratedRegex(@"url\([^)]*\)?", RegexOptions.IgnoreCase)]
    private static partial Regex CssUrl();

    [GeneratedRegex(@"^url\(['""]?#[A-Za-z_][\w.:-]*['""]?\)$", RegexOptions.IgnoreCase)]
    private static partial Regex LocalUrl();
}
