namespace Rosette.Tests.Infrastructure;

/// <summary>
/// How long a test waits for something that happens unless the product is broken: a process to start and answer,
/// background work to finish, a signal to arrive. It is never a timing assertion, only the point where a test stops
/// waiting for a hang. One bound for every such wait, sized for the busiest machine the suite runs on: both lanes on two
/// shared cores, with other work beside them (a cold Rosette process took more than three minutes to answer its first
/// request at a load average of 120). A wait that ends early because the machine is busy fails a test that found nothing.
/// </summary>
public static class Patience
{
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);

    /// <summary>Completes with <paramref name="signal"/>, or fails with <paramref name="what"/> once the bound has passed.</summary>
    public static async Task Within(this Task signal, string what)
    {
        try
        {
            await signal.WaitAsync(Bound);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Bound.TotalMinutes:0} minutes for: {what}");
        }
    }
}
