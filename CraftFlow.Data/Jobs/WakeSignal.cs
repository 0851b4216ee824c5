namespace CraftFlow.Data.Jobs;

/// <summary>
/// An auto-reset "look again" flag: any number of Set calls before a wait wake it once. A consumer waits on it for
/// new jobs (NOTIFY), for a free slot (a job finished) or, failing both, the poll interval.
/// </summary>
public sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private readonly Lock _lock = new();

    public void Set()
    {
        lock (_lock)
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
    }

    /// <summary>True when set, false when the timeout passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
