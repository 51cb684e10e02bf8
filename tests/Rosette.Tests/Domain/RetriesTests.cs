using Rosette.Domain;

namespace Rosette.Tests.Domain;

public sealed class RetriesTests
{
    [Theory]
    [InlineData(-3, 2, 1800, 2)]
    [InlineData(0, 2, 1800, 2)]
    [InlineData(1, 2, 1800, 4)]
    [InlineData(5, 5, 3600, 160)]
    [InlineData(10, 2, 1800, 1800)]
    [InlineData(40, 1, 3600, 3600)]
    public void Backoff_DoublesFromTheFirstWait_UpToTheCap_WithinAQuarterEitherWay(int doublings, int firstSeconds, int capSeconds, double expectedSeconds)
    {
        var waits = Enumerable.Range(0, 200)
            .Select(_ => Retries.Backoff(doublings, TimeSpan.FromSeconds(firstSeconds), TimeSpan.FromSeconds(capSeconds)).TotalSeconds).ToList();

        Assert.All(waits, w => Assert.InRange(w, expectedSeconds * 0.75, expectedSeconds * 1.25));
        Assert.True(waits.Distinct().Count() > 1, "the waits are jittered");
    }
}
