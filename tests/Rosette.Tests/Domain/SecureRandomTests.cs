using System.Buffers.Binary;
using Rosette.Domain;
using Rosette.Domain.Issuance;

namespace Rosette.Tests.Domain;

public sealed class SecureRandomTests
{
    [Fact]
    public void NewVersion7Id_IsAnRfc9562Version7Uuid_WithTheTimeInItsFirst48Bits()
    {
        var at = DateTimeOffset.Parse("2026-11-28T10:15:30.123Z", System.Globalization.CultureInfo.InvariantCulture);
        var id = SecureRandom.NewVersion7Id(at);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var text = id.ToString("N");
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(text[..12], 16));
    }

    [Fact]
    public void NewVersion7Id_SortsByTime_AndNeverRepeats()
    {
        var start = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 20_000).Select(i => SecureRandom.NewVersion7Id(start.AddMilliseconds(i / 100))).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        var byTime = ids.Select((id, i) => (id, ms: i / 100)).ToList();
        Assert.All(byTime.Zip(byTime.Skip(1)), pair =>
        {
            if (pair.First.ms < pair.Second.ms)
            {
                Assert.True(string.CompareOrdinal(pair.First.id.ToString(), pair.Second.id.ToString()) < 0);
            }
        });
    }

    [Fact]
    public void NewVersion7Ids_AreVersion7IdsOfOneMillisecond_AscendingInEveryOrderTheDatabasesUse()
    {
        var at = DateTimeOffset.Parse("2026-12-07T04:00:00.250Z", System.Globalization.CultureInfo.InvariantCulture);
        var ids = SecureRandom.NewVersion7Ids(at, 5_000);

        Assert.Equal(5_000, ids.Length);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal((7, at.ToUnixTimeMilliseconds()), (id.Version, Convert.ToInt64(id.ToString("N")[..12], 16))));
        // SQLite compares the upper-case text, PostgreSQL's uuid the 16 bytes in RFC 9562 order, .NET Guid.CompareTo.
        Assert.All(ids.Zip(ids.Skip(1)), pair =>
        {
            Assert.True(pair.First.CompareTo(pair.Second) < 0);
            Assert.True(string.CompareOrdinal(pair.First.ToString().ToUpperInvariant(), pair.Second.ToString().ToUpperInvariant()) < 0);
            Assert.True(pair.First.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(pair.Second.ToByteArray(bigEndian: true)) < 0);
        });
        // Random, not counted: neighbours' last 64 bits differ by far more than a counter's step (about 2^61 apart on average).
        var low = ids.Select(id => BinaryPrimitives.ReadUInt64BigEndian(id.ToByteArray(bigEndian: true).AsSpan(8))).ToList();
        Assert.True(low.Zip(low.Skip(1)).Count(pair => pair.Second - pair.First < 1UL << 40) < 10);
    }

    [Fact]
    public void Fill_HandsOutFreshBytes_AcrossBufferRefills()
    {
        // 1,000 draws of 16 bytes cross the 4 KiB buffer several times; no two may be equal, none all zero.
        var draws = Enumerable.Range(0, 1000).Select(_ =>
        {
            var bytes = new byte[16];
            SecureRandom.Fill(bytes);
            return Convert.ToHexString(bytes);
        }).ToList();

        Assert.Equal(draws.Count, draws.Distinct().Count());
        Assert.DoesNotContain(new string('0', 32), draws);
        var large = new byte[10_000];
        SecureRandom.Fill(large);
        Assert.Contains(large, b => b != 0);
    }

    [Fact]
    public void Awards_GetDistinctSaltsAndVersion7Ids()
    {
        var awards = Enumerable.Range(0, 5000)
            .Select(_ => Award.Create(new AwardFacts(Guid.NewGuid(), Guid.NewGuid(), DateTime.UtcNow, AwardSource.Roster)))
            .ToList();

        Assert.Equal(awards.Count, awards.Select(a => a.RecipientSalt).Distinct().Count());
        Assert.All(awards, a => Assert.Matches("^[0-9a-f]{32}$", a.RecipientSalt));
        Assert.All(awards, a => Assert.Equal(7, a.Id.Version));
    }
}
