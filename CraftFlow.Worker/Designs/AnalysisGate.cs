using CraftFlow.Imaging;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Bounds the design analyses running at once in this process, whatever WORKER_CONCURRENCY is: at most one per
/// core (more cannot finish sooner) and at most <see cref="ImagingOptions.AnalysisMemoryBudgetBytes"/> reserved
/// together (each reserves its estimated peak before it starts). An analysis larger than the whole budget still
/// runs, alone. Waiters are served in arrival order, so a large print file is not starved by small ones.
/// </summary>
public sealed class AnalysisGate(ImagingOptions options)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _reserved;
    private int _running;

    public int MaxConcurrent { get; } = Math.Max(1, Environment.ProcessorCount);

    public long BudgetBytes { get; } = Math.Max(1, options.AnalysisMemoryBudgetBytes);

    public async Task<IDisposable> EnterAsync(long bytes, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                Take(bytes);
                return new Lease(this, bytes);
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
        }

        await using (cancellationToken.Register(() => Cancel(waiter)))
        {
            await waiter.Granted.Task.ConfigureAwait(false);
        }

        return new Lease(this, bytes);
    }

    private bool Fits(long bytes) => _running < MaxConcurrent && (_running == 0 || _reserved + bytes <= BudgetBytes);

    private void Take(long bytes)
    {
        _running++;
        _reserved += bytes;
    }

    private void Cancel(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
            {
                return;
            }

            _waiters.Remove(waiter.Node);
        }

        waiter.Granted.TrySetCanceled();
    }

    private void Leave(long bytes)
    {
        var granted = new List<Waiter>();
        lock (_lock)
        {
            _running--;
            _reserved -= bytes;
            while (_waiters.First is { } first && Fits(first.Value.Bytes))
            {
                _waiters.RemoveFirst();
                Take(first.Value.Bytes);
                granted.Add(first.Value);
            }
        }

        foreach (var waiter in granted)
        {
            if (!waiter.Granted.TrySetResult())
            {
                Leave(waiter.Bytes);
            }
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(AnalysisGate gate, long bytes) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Leave(bytes);
            }
        }
    }
}
