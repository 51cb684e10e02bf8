using System.Buffers.Binary;
using System.Buffers.Text;
using Microsoft.EntityFrameworkCore;
using Rosette.Domain;

namespace Rosette.Infrastructure.Http;

/// <summary>
/// Paging for the lists that grow without bound with the data (awards, audit entries): a page starts after a cursor
/// (<c>after</c>, the <c>next</c> of the page before) instead of at an offset, so a deep page costs what page 1 costs, and
/// the total is counted only up to <see cref="TotalCap"/>. Offset pages stay accepted within the cap. Decision 0018.
/// </summary>
public static class KeysetPaging
{
    public const int TotalCap = 10_000;

    public static Error? Validate(PageRequest paging, string? after) =>
        paging.Validate()
        ?? (after is not null && paging.PageNumber > 1
            ? InvalidError.Field("after", InvalidError.ValidationFailed, "'after' cannot be combined with a 'page' after the first: follow 'next' from page 1.")
            : null)
        ?? ((long)(paging.PageNumber - 1) * paging.Size >= TotalCap
            ? InvalidError.Field("page", InvalidError.ValidationFailed,
                $"'page' reaches only the first {TotalCap:N0} rows of this list: to read further, follow 'next' (pass it as 'after').")
            : null);

    /// <summary>
    /// The page of <paramref name="ordered"/> (already started after the cursor, if any), the capped count of
    /// <paramref name="all"/> (the whole filtered list, not only what follows the cursor; unordered, so that the database
    /// may stop any scan at the cap), and the cursor of the next page.
    /// </summary>
    public static async Task<Paged<TOut>> ToPageAsync<TAll, TRow, TOut>(
        PageRequest paging, IQueryable<TAll> all, IQueryable<TRow> ordered, Func<TRow, TOut> map, Func<TRow, string> cursor,
        CancellationToken cancellationToken)
    {
        if (paging.Validate() is { } invalid)
        {
            throw new InvalidOperationException($"Unvalidated paging: {invalid.Message}");
        }
        var counted = await all.Take(TotalCap + 1).CountAsync(cancellationToken);
        // One row more than the page tells whether a next page exists, without counting what follows.
        var rows = await ordered.Skip((paging.PageNumber - 1) * paging.Size).Take(paging.Size + 1).ToListAsync(cancellationToken);
        var next = rows.Count > paging.Size ? cursor(rows[paging.Size - 1]) : null;
        return new Paged<TOut>(rows.Take(paging.Size).Select(map).ToList(), paging.PageNumber, paging.Size,
            Math.Min(counted, TotalCap), counted > TotalCap, next);
    }
}

/// <summary>
/// The opaque position of a keyset page: base64url of one byte naming the list, then the sort key of the page's last row.
/// Decoding is strict (canonical base64url, exact length, the right list): anything else is <see cref="Invalid"/>. A cursor
/// grants nothing: the list's query still applies the caller's scope.
/// </summary>
public static class Cursor
{
    private const int MaxLength = 64;

    public static Error Invalid { get; } =
        InvalidError.Field("after", InvalidError.ValidationFailed, "'after' is not a cursor of this list: pass the 'next' of a page of the same list, unchanged.");

    public static string Encode(byte list, long key)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = list;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], key);
        return Base64Url.EncodeToString(bytes);
    }

    public static string Encode(byte list, DateTime at, Guid id)
    {
        Span<byte> bytes = stackalloc byte[25];
        bytes[0] = list;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], at.Ticks);
        id.TryWriteBytes(bytes[9..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static string Encode(byte list, Guid id)
    {
        Span<byte> bytes = stackalloc byte[17];
        bytes[0] = list;
        id.TryWriteBytes(bytes[1..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string text, byte list, out Guid id)
    {
        Span<byte> bytes = stackalloc byte[17];
        var valid = TryRead(text, list, bytes);
        id = valid ? new Guid(bytes[1..], bigEndian: true) : default;
        return valid;
    }

    public static bool TryDecode(string text, byte list, out long key)
    {
        Span<byte> bytes = stackalloc byte[9];
        var valid = TryRead(text, list, bytes);
        key = valid ? BinaryPrimitives.ReadInt64BigEndian(bytes[1..]) : 0;
        return valid;
    }

    /// <summary>A time (UTC, to the tick) and an id.</summary>
    public static bool TryDecode(string text, byte list, out DateTime at, out Guid id)
    {
        Span<byte> bytes = stackalloc byte[25];
        var ticks = TryRead(text, list, bytes) ? BinaryPrimitives.ReadInt64BigEndian(bytes[1..]) : -1;
        var valid = ticks >= 0 && ticks <= DateTime.MaxValue.Ticks;
        at = valid ? new DateTime(ticks, DateTimeKind.Utc) : default;
        id = valid ? new Guid(bytes[9..], bigEndian: true) : default;
        return valid;
    }

    private static bool TryRead(string text, byte list, Span<byte> bytes) =>
        text.Length <= MaxLength
        // The OperationStatus form: TryDecodeFromChars throws on characters outside the alphabet.
        && Base64Url.DecodeFromChars(text, bytes, out var read, out var written) == System.Buffers.OperationStatus.Done
        && read == text.Length
        && written == bytes.Length
        && bytes[0] == list
        // Only the canonical spelling: no padding, no stray bits, no whitespace.
        && Base64Url.EncodeToString(bytes) == text;
}
