using System.Buffers.Text;
using Rosette.Infrastructure.Http;

namespace Rosette.Tests.Infrastructure;

/// <summary>Reading a keyset-paged list (decision 0018) the way a client does, and the cursors it must refuse.</summary>
public static class KeysetWalk
{
    /// <summary>Every page, from the first (<paramref name="url"/>, with its query) by following <c>next</c> to the end.</summary>
    public static async Task<List<Paged<T>>> PagesAsync<T>(HttpClient client, string url)
    {
        var pages = new List<Paged<T>> { await (await client.GetAsync(url)).IsOkAsync<Paged<T>>() };
        while (pages[^1].Next is { } next)
        {
            Assert.True(pages.Count < 1_000, $"{url} does not end.");
            pages.Add(await (await client.GetAsync($"{url}&after={Uri.EscapeDataString(next)}")).IsOkAsync<Paged<T>>());
        }
        return pages;
    }

    /// <summary>
    /// Spoilt copies of a valid cursor of one list (truncated, lengthened, padded, stray bits, foreign characters), a
    /// cursor of another list, and the list's own tag with a payload of the wrong length.
    /// </summary>
    public static IEnumerable<string> Malformed(string valid, string ofAnotherList)
    {
        var bytes = Base64Url.DecodeFromChars(valid);
        List<string> spoilt =
        [
            valid[..^2], valid + "AA", valid + "=", valid.Replace(valid[0], '~'), " " + valid, ofAnotherList,
            Base64Url.EncodeToString(bytes.AsSpan(..^1)), Base64Url.EncodeToString([.. bytes, 0]), "not a cursor", new string('A', 5_000),
        ];
        if (bytes.Length % 3 != 0)
        {
            // The last character carries bits past the end of the bytes: set one, and the spelling is no longer canonical.
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            spoilt.Add(valid[..^1] + alphabet[alphabet.IndexOf(valid[^1], StringComparison.Ordinal) ^ 1]);
        }
        return spoilt;
    }
}
