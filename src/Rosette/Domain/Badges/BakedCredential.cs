using System.Buffers.Binary;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Rosette.Domain.Badges;

/// <summary>
/// A credential baked into a badge image (Open Badges 3.0 "Baking", Open Badges 2.0 "Baking Specification"). PNG: a
/// <c>tEXt</c>, <c>zTXt</c> or <c>iTXt</c> chunk keyed <c>openbadgecredential</c> (3.0) or <c>openbadges</c> (2.0). SVG: an
/// element in the 3.0 namespace (<c>&lt;openbadges:credential&gt;</c>) or the 2.0 one (<c>&lt;openbadges:assertion&gt;</c>).
/// A badge image is the achievement's, never an award's: whatever an uploaded image carries is removed when it is
/// uploaded and again when it is served or baked (images stored before the upload removed it), so the only credential in
/// a badge image is the one Rosette bakes for an award. So is whatever merely looks like baking data to a verifier that
/// searches the bytes (<see cref="LooksBaked(ReadOnlySpan{char})"/>): a PNG's other ancillary chunks, an SVG's comments,
/// text, CDATA sections and processing instructions that name <c>openbadges</c> or <c>openbadgecredential</c>.
/// </summary>
public static class BakedCredential
{
    public const string Ob3Keyword = "openbadgecredential";
    public const string Ob2Keyword = "openbadges";
    public const string Ob3Namespace = "https://purl.imsglobal.org/ob/v3p0";
    public const string Ob2Namespace = "http://openbadges.org";
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Whether <paramref name="text"/> names Open Badges baking as a reader searching for it would find it: the PNG keywords
    /// and the SVG element prefix (<c>openbadges:credential</c>), in any case.
    /// </summary>
    public static bool LooksBaked(ReadOnlySpan<char> text) =>
        text.Contains(Ob2Keyword, StringComparison.OrdinalIgnoreCase) || text.Contains(Ob3Keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary><see cref="LooksBaked(ReadOnlySpan{char})"/> for bytes read as ASCII (PNG chunk data: Latin-1 or UTF-8).</summary>
    public static bool LooksBaked(ReadOnlySpan<byte> data) => ContainsAscii(data, Ob2Keyword) || ContainsAscii(data, Ob3Keyword);

    private static bool ContainsAscii(ReadOnlySpan<byte> data, string word)
    {
        for (var at = data.IndexOfAny((byte)char.ToLowerInvariant(word[0]), (byte)char.ToUpperInvariant(word[0]));
             at >= 0 && data.Length - at >= word.Length;)
        {
            if (Ascii.EqualsIgnoreCase(data.Slice(at, word.Length), word))
            {
                return true;
            }
            var next = data[(at + 1)..].IndexOfAny((byte)char.ToLowerInvariant(word[0]), (byte)char.ToUpperInvariant(word[0]));
            at = next < 0 ? -1 : at + 1 + next;
        }
        return false;
    }

    /// <summary>The image without any baked credential: the same array when it carries none.</summary>
    public static byte[] RemoveFrom(string contentType, byte[] image) => contentType switch
    {
        BadgeImageContent.Png => RemoveFromPng(image),
        BadgeImageContent.Svg => RemoveFromSvg(image),
        _ => image,
    };

    /// <summary>
    /// The PNG without its Open Badges text chunks, nor any other ancillary chunk that <see cref="LooksBaked(ReadOnlySpan{byte})"/>
    /// (a text keyed <c>OpenBadgeCredential</c>, a comment or private chunk quoting one), and without anything after <c>IEND</c> (where a reader that goes on
    /// could still find one); every other chunk is copied as it was, CRC included. A damaged tail (a chunk longer than
    /// what is left) is kept as it is: no reader can find a chunk inside it.
    /// </summary>
    public static byte[] RemoveFromPng(byte[] png)
    {
        const int signature = 8;
        if (png.Length < signature)
        {
            return png;
        }
        using var output = new MemoryStream(png.Length);
        output.Write(png, 0, signature);
        var offset = signature;
        while (offset < png.Length)
        {
            var left = png.Length - offset;
            var length = left < 12 ? -1L : BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (length < 0 || length > left - 12)
            {
                output.Write(png, offset, left);
                break;
            }
            var chunk = png.AsSpan(offset, 12 + (int)length);
            offset += chunk.Length;
            if (IsBakedChunk(chunk))
            {
                continue;
            }
            output.Write(chunk);
            if (chunk[4..8].SequenceEqual("IEND"u8))
            {
                break;
            }
        }
        return output.Length == png.Length ? png : output.ToArray();
    }

    // Every text chunk (tEXt, zTXt, iTXt: "keyword NUL ...") is ancillary, as is any chunk whose type starts in lower case;
    // the critical ones (IHDR, PLTE, IDAT, IEND) are the picture and are always kept.
    private static bool IsBakedChunk(ReadOnlySpan<byte> chunk) => char.IsAsciiLetterLower((char)chunk[4]) && LooksBaked(chunk[8..^4]);

    /// <summary>
    /// The SVG without its Open Badges elements, their namespace declarations and the nodes that look like them, read as
    /// uploads are (<see cref="SvgAllowList.Load"/>); the same array when it has no such element or node. An SVG that is not XML has nothing an XML reader
    /// could find and is left as it is (uploads never are: the allow-list reads them first).
    /// </summary>
    public static byte[] RemoveFromSvg(byte[] svg)
    {
        XDocument document;
        try
        {
            document = SvgAllowList.Load(svg);
        }
        catch (XmlException)
        {
            return svg;
        }
        if (!RemoveFrom(document))
        {
            return svg;
        }
        var rewritten = Save(document);
        byte[]? cut;
        try
        {
            cut = CutFromSvg(svg);
        }
        catch (XmlException)
        {
            cut = null;
        }
        return cut is not null && ReadsAs(cut, rewritten) ? cut : rewritten;
    }

    /// <summary>
    /// The SVG with what <see cref="RemoveFrom(XDocument)"/> removes cut out of its own UTF-8 text, each node by the range
    /// the reader found it at, so the rest keeps its bytes (quotes, empty elements, spacing); null when the text is not
    /// UTF-8 or has no line information. Kept only if it <see cref="ReadsAs"/> the rewritten document.
    /// </summary>
    private static byte[]? CutFromSvg(byte[] svg)
    {
        var bom = svg.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        string text;
        try
        {
            text = StrictUtf8.GetString(svg, bom, svg.Length - bom);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var lineStarts = LineStarts(text);
        var cuts = new List<(int Start, int End)>();
        using var reader = SvgAllowList.Reader(svg, ignoreComments: false);
        if (reader is not IXmlLineInfo position || !position.HasLineInfo())
        {
            return null;
        }
        // Where the reader's line and position (of a name, or of a text's first character) falls in the text, less the markup before it.
        // Out of range, it is -1, and the cuts are not used.
        int At(int before) => position.LineNumber - 1 < lineStarts.Length ? lineStarts[position.LineNumber - 1] + position.LinePosition - 1 - before : -1;
        int Start() => At(reader.NodeType switch
        {
            XmlNodeType.Element => 1,
            XmlNodeType.EndElement or XmlNodeType.ProcessingInstruction or XmlNodeType.XmlDeclaration => 2,
            XmlNodeType.Comment => 4,
            XmlNodeType.CDATA => 9,
            _ => 0,
        });
        var more = reader.Read();
        while (more)
        {
            var cut = reader.NodeType switch
            {
                XmlNodeType.Element => reader.Depth > 0 && reader.NamespaceURI is Ob3Namespace or Ob2Namespace,
                XmlNodeType.Comment or XmlNodeType.Text or XmlNodeType.CDATA => LooksBaked(reader.Value),
                XmlNodeType.ProcessingInstruction => LooksBaked(reader.Name) || LooksBaked(reader.Value),
                _ => false,
            };
            if (cut)
            {
                var start = Start();
                if (reader.NodeType == XmlNodeType.Element)
                {
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                }
                cuts.Add((start, reader.EOF ? text.Length : Start()));
                more = !reader.EOF;
                continue;
            }
            if (reader.NodeType == XmlNodeType.Element)
            {
                for (var attribute = reader.MoveToFirstAttribute(); attribute; attribute = reader.MoveToNextAttribute())
                {
                    if (reader.NamespaceURI == XmlnsNamespace && reader.Value is Ob3Namespace or Ob2Namespace)
                    {
                        cuts.Add(AttributeRange(text, At(0)));
                    }
                }
                reader.MoveToElement();
            }
            more = reader.Read();
        }
        var kept = new StringBuilder(text.Length);
        var from = 0;
        foreach (var (start, end) in cuts)
        {
            if (start < from || end <= start || end > text.Length)
            {
                return null;
            }
            kept.Append(text, from, start - from);
            from = end;
        }
        kept.Append(text, from, text.Length - from);
        return [.. svg.AsSpan(0, bom), .. Encoding.UTF8.GetBytes(kept.ToString())];
    }

    /// <summary>An attribute, from the blanks before its name to its closing quote (a value never holds its own quote).</summary>
    private static (int Start, int End) AttributeRange(string text, int name)
    {
        var start = name;
        while (start > 0 && text[start - 1] is ' ' or '\t' or '\r' or '\n')
        {
            start--;
        }
        var open = name < 0 ? -1 : text.IndexOf('=', name);
        open = open < 0 ? -1 : text.IndexOfAny(['"', '\''], open);
        return open < 0 ? (-1, -1) : (start, text.IndexOf(text[open], open + 1) + 1);
    }

    // XML's line breaks: CR LF, CR, LF (XML 1.0, section 2.11).
    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }
        return [.. starts];
    }

    /// <summary>Whether <paramref name="cut"/> is read as the same document as <paramref name="rewritten"/>: nothing else was cut.</summary>
    private static bool ReadsAs(byte[] cut, byte[] rewritten)
    {
        try
        {
            return Save(SvgAllowList.Load(cut)).AsSpan().SequenceEqual(rewritten);
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes every element in an Open Badges namespace (both versions) below the root, the declarations of those
    /// namespaces, and every comment, text, CDATA section or processing instruction that <see cref="LooksBaked(ReadOnlySpan{char})"/>;
    /// whether there was such an element or node (a declaration alone carries no credential).
    /// </summary>
    public static bool RemoveFrom(XDocument document)
    {
        if (document.Root is not { } root)
        {
            return false;
        }
        var elements = root.Descendants().Where(e => e.Name.NamespaceName is Ob3Namespace or Ob2Namespace).ToList();
        var declarations = root.DescendantsAndSelf().Attributes().Where(a => a.IsNamespaceDeclaration && a.Value is Ob3Namespace or Ob2Namespace).ToList();
        elements.Remove();
        declarations.Remove();
        var lookalikes = document.DescendantNodes().Where(n => n switch
        {
            XComment comment => LooksBaked(comment.Value),
            XText text => LooksBaked(text.Value),
            XProcessingInstruction instruction => LooksBaked(instruction.Target) || LooksBaked(instruction.Data),
            _ => false,
        }).ToList();
        lookalikes.Remove();
        return elements.Count + lookalikes.Count > 0;
    }

    /// <summary>The document as UTF-8, with an XML declaration only if it had one.</summary>
    public static byte[] Save(XDocument document)
    {
        using var output = new MemoryStream();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), OmitXmlDeclaration = document.Declaration is null }))
        {
            document.Save(writer);
        }
        return output.ToArray();
    }
}
