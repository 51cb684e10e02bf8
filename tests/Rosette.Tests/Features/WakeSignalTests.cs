using Rosette.Tests.Infrastructure;
using Rosette.Infrastructure.Hosting;

namespace Rosette.Tests.Features;

public sealed class WakeSignalTests
{
    private sealed class TestSignal : WakeSignal;

    [Fact]
    public async Task Notify_WakesAWaitingLoop_BeforeItsPollInterval()
    {
        using var signal = new TestSignal();
        using var stop = new CancellationTokenSource();
        var rounds = 0;
        var second = new TaskCompletionSource();
        var loop = signal.RunRoundsAsync(_ =>
        {
            if (++rounds == 2)
            {
                second.TrySetResult();
            }
            return Task.FromResult(0);
        }, TimeSpan.FromHours(1), (_, _, _) => Task.CompletedTask, stop.Token);

        signal.Notify();
        await second.Task.Within("the second round");
        await stop.CancelAsync();
        await loop.Within("the loop to end");
        Assert.Equal(2, rounds);
    }

    [Fact]
    public async Task Disposed_WhileALoopWaits_EndsTheLoopQuietly()
    {
        var signal = new TestSignal();
        var failures = 0;
        var waiting = new TaskCompletionSource();
        var loop = signal.RunRoundsAsync(_ =>
        {
            waiting.TrySetResult();
            return Task.FromResult(0);
        }, TimeSpan.FromMilliseconds(50), (_, _, _) =>
        {
            failures++;
            return Task.CompletedTask;
        }, CancellationToken.None);

        await waiting.Task.Within("the first round");
        signal.Dispose();

        await loop.Within("the loop to end");
        Assert.True(loop.IsCompletedSuccessfully);
        Assert.Equal(0, failures);
    }
}
