namespace Rosette.Infrastructure.Hosting;

/// <summary>
/// Wakes one background loop of this instance as soon as work for it is committed here; other instances find the work when
/// they next poll. Notifying a loop that is already awake (or already signalled) does nothing.
/// </summary>
public abstract class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another thread signalled in between.
        }
    }

    /// <summary>Returns at the first signal or after <paramref name="timeout"/>, whichever is sooner.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose()
    {
        _signal.Dispose();
        GC.SuppressFinalize(this);
    }
}
