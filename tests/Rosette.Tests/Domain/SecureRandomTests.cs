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
