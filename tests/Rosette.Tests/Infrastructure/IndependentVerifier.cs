using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Rosette.Tests.Infrastructure;

/// <summary>
/// A verifier that shares nothing with Rosette's signing or baking code: RFC 7515 compact JWS checked with the BCL's RSA
/// from a JWK's n and e, and PNG chunks walked by hand with their CRC-32 recomputed here (the PNG spec's polynomial).
/// </summary>
public static class IndependentVerifier
{
    public static (JsonElement Header, JsonElement Payload) Decode(string jws)
    {
        var parts = jws.Split('.');
        Assert.Equal(3, parts.Length);
        return (JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement, JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement);
    }

    /// <summary>RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over "header.payload".</summary>
    public static bool VerifiesWith(string jws, JsonElement jwk)
    {
        var parts = jws.Split('.');
        if (parts.Length != 3 || jwk.GetProperty("kty").GetString() != "RSA")
        {
            return false;
        }
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(jwk.GetProperty("n").GetString()!),
            Exponent = Base64Url.DecodeFromChars(jwk.GetProperty("e").GetString()!),
        });
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }
        return rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public static string SignWith(RSA rsa, string headerAndPayload) =>
        headerAndPayload + "." + Base64Url.EncodeToString(rsa.SignData(Encoding.ASCII.GetBytes(headerAndPayload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>
    /// A W3C Bitstring Status List's <c>encodedList</c> expanded as the specification's Bitstring Expansion Algorithm (§3.4)
    /// says: multibase (the <c>u</c> prefix, base64url without padding), then GZIP (RFC 1952) decompression.
    /// </summary>
    public static byte[] ExpandBitstring(string encodedList)
    {
        Assert.StartsWith("u", encodedList, StringComparison.Ordinal);
        Assert.DoesNotContain("=", encodedList, StringComparison.Ordinal);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(Base64Url.DecodeFromChars(encodedList.AsSpan(1))), System.IO.Compression.CompressionMode.Decompress);
        using var bits = new MemoryStream();
        gzip.CopyTo(bits);
        return bits.ToArray();
    }

    /// <summary>The status bit at <paramref name="index"/> (§2.2 and §7.1: index 0 is the left-most, most significant, bit of the first byte).</summary>
    public static bool BitAt(byte[] bitstring, int index) => (bitstring[index / 8] & (0x80 >> (index % 8))) != 0;

    /// <summary>Every chunk type in order; fails when a chunk's CRC is wrong.</summary>
    public static List<string> PngChunksWithValidCrc(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var types = new List<string>();
        var offset = 8;
        while (offset < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            var typeAndData = png.AsSpan(offset + 4, 4 + length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            var type = Encoding.ASCII.GetString(typeAndData[..4]);
            Assert.True(Crc32(typeAndData) == stored, $"Bad CRC on chunk {type}");
            types.Add(type);
            offset += 12 + length;
        }
        return types;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
