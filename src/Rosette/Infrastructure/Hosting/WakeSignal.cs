namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// Wakes the background loops of this instance as soon as work for them is committed here; other instances find the work
/// when they next poll. One notification wakes up to <c>wakes</c> waiting loops (one unless a subclass says otherwise);
/// notifying loops that are already awake (or already signalled) does nothing.
/// </summary>
public abstract class WakeSignal : IDisposable
{
    private readonly int _wakes;
    private readonly SemaphoreSlim _signal;
    private volatile bool _disposed;

    protected WakeSignal()
        : this(1)
    {
    }

    protected WakeSignal(int wakes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wakes, 1);
        _wakes = wakes;
        _signal = new SemaphoreSlim(0, wakes);
    }

    public void Notify()
    {
        try
        {
            if (_wakes - _signal.CurrentCount is > 0 and var missing)
            {
                _signal.Release(missing);
            }
        }
        catch (SemaphoreFullException)
        {
            // Another thread signalled in between.
        }
    }

    /// <summary>
    /// Runs rounds until stopped: the next round at once after one that found work, otherwise at the next signal or after
    /// <paramref name="pollInterval"/>. A round that throws goes to <paramref name="onFailure"/> with the number of
    /// failures in a row; it logs and waits before the next round. That wait is in real time, never on the app's
    /// <see cref="TimeProvider"/>: a clock that only moves when told to (a test's) would stop the loop for good.
    /// </summary>
    public async Task RunRoundsAsync(
        Func<CancellationToken, Task<int>> round, TimeSpan pollInterval, Func<Exception, int, CancellationToken, Task> onFailure, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested && !_disposed)
        {
            try
            {
                var found = await round(stoppingToken);
                failures = 0;
                if (found == 0)
                {
                    await WaitAsync(pollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                try
                {
                    await onFailure(e, ++failures, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Returns at the first signal or after <paramref name="timeout"/>, whichever is sooner.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>
    /// Ends the loop: the container disposes its singletons even when the host was not stopped first, and a loop waiting on
    /// a disposed semaphore would never wake. The semaphore itself is not disposed; with no wait handle asked for, it holds
    /// nothing to free.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        Notify();
        GC.SuppressFinalize(this);
    }
}
