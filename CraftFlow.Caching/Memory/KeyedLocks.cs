namespace CraftFlow.Caching.Memory;

/// <summary>
/// One async lock per key, created on first use and dropped when its last waiter leaves, so that
/// concurrent misses on a key run one factory (stampede protection) without leaking a semaphore per key ever seen.
/// </summary>
internal sealed class KeyedLocks
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _holders.Count;
            }
        }
    }

    public async ValueTask<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Holder holder;
        lock (_gate)
        {
            if (!_holders.TryGetValue(key, out holder!))
            {
                holder = new Holder();
                _holders[key] = holder;
            }

            holder.References++;
        }

        try
        {
            await holder.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, holder);
            throw;
        }

        return new Releaser(this, key, holder);
    }

    private void Leave(string key, Holder holder)
    {
        lock (_gate)
        {
            if (--holder.References == 0)
            {
                _holders.Remove(key);
                holder.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Holder
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int References { get; set; }
    }

    public readonly struct Releaser : IDisposable
    {
        private readonly KeyedLocks _owner;
        private readonly string _key;
        private readonly Holder _holder;

        internal Releaser(KeyedLocks owner, string key, Holder holder)
        {
            _owner = owner;
            _key = key;
            _holder = holder;
        }

        public void Dispose()
        {
            _holder.Semaphore.Release();
            _owner.Leave(_key, _holder);
        }
    }
}
