using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Rosette.Domain;

/// <summary>
/// Cryptographically secure random bytes, drawn from the operating system 4 KiB at a time per thread. A batch of 100,000
/// awards needs a salt and an id each; asking the system for 16 bytes at a time cost a third of the batch's decision time.
/// Every byte is handed out once.
/// </summary>
public static class SecureRandom
{
    private const int BufferSize = 4096;

    [ThreadStatic]
    private static byte[]? _buffer;

    [ThreadStatic]
    private static int _position;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BufferSize)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }
        var buffer = _buffer ??= new byte[BufferSize];
        if (_position == 0 || _position + destination.Length > BufferSize)
        {
            RandomNumberGenerator.Fill(buffer);
            _position = 0;
        }
        var source = buffer.AsSpan(_position, destination.Length);
        source.CopyTo(destination);
        source.Clear();
        _position = (_position + destination.Length) % BufferSize;
    }

    /// <summary>A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits; sorts by time.</summary>
    public static Guid NewVersion7Id(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        Fill(bytes[6..]);
        var milliseconds = now.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)milliseconds;
            milliseconds >>= 8;
        }
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// <paramref name="count"/> version 7 UUIDs of one millisecond, in ascending order (the order of their text, of
    /// <see cref="Guid.CompareTo(Guid)"/> and of PostgreSQL's uuid: all three order a UUID as its 16 bytes read big-endian).
    /// Each has its own 74 random bits, as one from <see cref="NewVersion7Id"/> does; only which id goes to which row follows
    /// their order. The first 64 of those bits are drawn for all and sorted as integers (which the runtime sorts several
    /// times faster than <see cref="Guid"/>s), the last 10 drawn for each after; only ids whose first 64 random bits are
    /// equal (a chance of less than one in a billion in a batch of 100,000) may then stand out of order, still random.
    /// </summary>
    public static Guid[] NewVersion7Ids(DateTimeOffset now, int count)
    {
        var random = new ulong[2 * count];
        Fill(MemoryMarshal.AsBytes(random.AsSpan()));
        var leading = random.AsSpan(0, count);
        leading.Sort();
        var high = (ulong)now.ToUnixTimeMilliseconds() << 16 | 0x7000UL;
        var ids = new Guid[count];
        Span<byte> id = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            // 48 bits of time, the version, 12 random bits; the variant, 52 random bits of the sorted draw and 10 more.
            BinaryPrimitives.WriteUInt64BigEndian(id, high | leading[i] >> 52);
            BinaryPrimitives.WriteUInt64BigEndian(id[8..], 0x8000_0000_0000_0000UL | (leading[i] & 0x000F_FFFF_FFFF_FFFFUL) << 10 | random[count + i] & 0x3FFUL);
            ids[i] = new Guid(id, bigEndian: true);
        }
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(random.AsSpan()));
        return ids;
    }
}
