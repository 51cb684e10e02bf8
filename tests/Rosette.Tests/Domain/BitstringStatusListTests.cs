using Rosette.Domain.Credentials;
using Rosette.Tests.Infrastructure;

namespace Rosette.Tests.Domain;

/// <summary>The list's bits and indexes, without a database; the bits read back by the independent verifier's own code.</summary>
public sealed class BitstringStatusListTests
{
    [Fact]
    public void IndexOf_GivesEveryIndexOfTheListExactlyOnce_InAnOrderThatDependsOnTheKey()
    {
        var key = new byte[32];
        Random.Shared.NextBytes(key);
        var otherKey = (byte[])key.Clone();
        otherKey[0] ^= 1;

        var seen = new bool[StatusList.Length];
        for (var sequence = 0; sequence < StatusList.Length; sequence++)
        {
            var index = StatusList.IndexOf(key, sequence);
            Assert.False(seen[index], $"index {index} given twice");
            seen[index] = true;
        }

        // W3C Bitstring Status List §2.1: indexes SHOULD be assigned randomly, not in the order of issuance.
        var first = Enumerable.Range(0, 100).Select(i => StatusList.IndexOf(key, i)).ToList();
        Assert.NotEqual(first.Order(), first);
        Assert.NotEqual(first, Enumerable.Range(0, 100).Select(i => StatusList.IndexOf(otherKey, i)));
    }

    [Fact]
    public void Encode_SetsTheLeftMostBitForIndexZero_AndExpandsToAtLeast16KB()
    {
        // §2.2 and §7.1: "the first index ... is located at the left-most bit in the bitstring".
        var bits = IndependentVerifier.ExpandBitstring(StatusList.Encode([0, 9, 131_071]));

        Assert.Equal(16 * 1024, bits.Length);
        Assert.Equal((0x80, 0x40, 0x01), (bits[0], bits[1], bits[^1]));
        Assert.Equal(3, bits.Sum(b => System.Numerics.BitOperations.PopCount(b)));
        Assert.True(IndependentVerifier.BitAt(bits, 9));
        Assert.False(IndependentVerifier.BitAt(bits, 8));
    }
}
