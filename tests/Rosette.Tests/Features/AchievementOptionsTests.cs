using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Rosette.Data;
using Rosette.Features.Achievements;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Tests.Features;

public sealed class AchievementOptionsTests
{
    [Fact]
    public void TheBatchSize_DefaultsByDatabase_AndASetOneHoldsOnBoth()
    {
        var sqlite = new DatabaseOptions { Provider = "sqlite" };
        var postgres = new DatabaseOptions { Provider = "postgres" };

        Assert.Equal((2_000, 10_000), (new AchievementOptions().BatchSizeOn(sqlite), new AchievementOptions().BatchSizeOn(postgres)));
        Assert.Equal((500, 500), (Configured("500").BatchSizeOn(sqlite), Configured("500").BatchSizeOn(postgres)));
    }

    [Fact]
    public void TheLoops_AreOneOnSqliteWhateverIsSet_AndOnePerProcessorUpToFourOnPostgres()
    {
        var sqlite = new DatabaseOptions { Provider = "sqlite" };
        var postgres = new DatabaseOptions { Provider = "postgres" };
        var set = Configuration("Rosette:Achievements:Loops", "3").GetSection(AchievementOptions.Section).Get<AchievementOptions>()!;

        Assert.Equal((1, Math.Clamp(Environment.ProcessorCount, 1, 4)), (new AchievementOptions().LoopsOn(sqlite), new AchievementOptions().LoopsOn(postgres)));
        Assert.Equal((1, 3), (set.LoopsOn(sqlite), set.LoopsOn(postgres)));
    }

    [Fact]
    public void OneNotification_WakesAsManyWaitingLoopsAsTheSignalSays()
    {
        using var signal = new TwoLoops();
        var waiting = new[] { signal.WaitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None), signal.WaitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None) };
        Assert.DoesNotContain(waiting, w => w.IsCompleted);

        signal.Notify();

        Assert.All(waiting, w => Assert.True(w.IsCompletedSuccessfully));
        // Two notifications while nobody waited leave two wakes, not four: the next two waits return, a third would wait.
        signal.Notify();
        signal.Notify();
        Assert.True(signal.WaitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(signal.WaitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).IsCompletedSuccessfully);
        Assert.False(signal.WaitAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).IsCompleted);
    }

    private sealed class TwoLoops() : WakeSignal(2);

    [Theory]
    [InlineData("Rosette:Achievements:Loops", "0", "Rosette:Achievements:Loops must be from 1 to 16; it is 0.")]
    [InlineData("Rosette:Achievements:Loops", "17", "Rosette:Achievements:Loops must be from 1 to 16; it is 17.")]
    [InlineData("Rosette:Achievements:BatchSize", "0", "Rosette:Achievements:BatchSize must be from 1 to 100000; it is 0.")]
    [InlineData("Rosette:Achievements:BatchSize", "-1", "Rosette:Achievements:BatchSize must be from 1 to 100000; it is -1.")]
    [InlineData("Rosette:Achievements:BatchSize", "100001", "Rosette:Achievements:BatchSize must be from 1 to 100000; it is 100001.")]
    [InlineData("Rosette:Achievements:RetroactiveChunkSize", "0", "Rosette:Achievements:RetroactiveChunkSize must be at least 1; it is 0.")]
    [InlineData("Rosette:Achievements:PollInterval", "00:00:00", "Rosette:Achievements:PollInterval must be positive; it is 00:00:00.")]
    public void ASettingOutOfRange_StopsTheStart_NamingIt(string key, string value, string message)
    {
        var failure = Assert.Throws<StartupException>(() => new ServiceCollection().AddAchievements(Configuration(key, value)));

        Assert.Equal(message, failure.Message);
    }

    [Fact]
    public void TheLargestBatchSize_IsAccepted()
    {
        var services = new ServiceCollection().AddAchievements(Configuration("Rosette:Achievements:BatchSize", "100000"));

        Assert.Equal(100_000, services.BuildServiceProvider().GetRequiredService<AchievementOptions>().BatchSize);
    }

    private static AchievementOptions Configured(string batchSize) =>
        Configuration("Rosette:Achievements:BatchSize", batchSize).GetSection(AchievementOptions.Section).Get<AchievementOptions>()!;

    private static IConfiguration Configuration(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
}
