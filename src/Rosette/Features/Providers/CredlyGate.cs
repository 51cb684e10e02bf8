namespace Rosette.Features.Providers;

/// <summary>
/// Holds this instance's requests to one Credly organization (API base URL and organization id) to
/// <see cref="ProviderOptions.ConcurrencyPerOrganization"/> at a time, whatever number of delivery rounds run.
/// </summary>
public sealed class CredlyGate(ProviderOptions options)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), SemaphoreSlim> _gates = new();

    public async Task<IDisposable> EnterAsync(ProviderEndpoint endpoint, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd((endpoint.ApiBaseUrl, endpoint.ProviderOrganizationId),
            _ => new SemaphoreSlim(Math.Max(1, options.ConcurrencyPerOrganization)));
        await gate.WaitAsync(cancellationToken);
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
