namespace CraftFlow.Caching.Memory;

/// <summary>
/// The in-process tier: a bounded least-recently-used map with absolute expiry. A dictionary of
/// linked-list nodes gives O(1) get, set and eviction; one short lock keeps it thread-safe (the
/// critical sections are a few pointer moves, cheaper than a lock-free design would be to get right).
/// </summary>
internal sealed class LruMemoryTier(int capacity, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, MemoryEntry Entry)>> _map = new(StringComparer.Ordinal);

    // Most recently used first.
    private readonly LinkedList<(string Key, MemoryEntry Entry)> _order = new();
    private long _evictions;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>Entries pushed out because the tier was full (not those that merely expired).</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The live entry of <paramref name="key"/>; with <paramref name="includeStale"/>, also one past its TTL but still retained for fail-safe.</summary>
    public MemoryEntry? Get(string key, bool includeStale = false)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                return null;
            }

            var entry = node.Value.Entry;
            if (entry.RetainUntil <= now)
            {
                _order.Remove(node);
                _map.Remove(key);
                return null;
            }

            if (entry.ExpiresAt <= now && !includeStale)
            {
                return null;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Entry;
        }
    }

    public void Set(string key, MemoryEntry entry)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                existing.Value = (key, entry);
                _order.Remove(existing);
                _order.AddFirst(existing);
                return;
            }

            _map[key] = _order.AddFirst((key, entry));
            while (_map.Count > capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _map.Remove(oldest.Value.Key);
                _evictions++;
            }
        }
    }

    public bool Remove(string key)
    {
        lock (_gate)
        {
            if (!_map.Remove(key, out var node))
            {
                return false;
            }

            _order.Remove(node);
            return true;
        }
    }

    /// <summary>
    /// Removes every entry carrying <paramref name="tag"/>. O(n): used only while Redis is down, when
    /// tag versions cannot be agreed with the other nodes.
    /// </summary>
    public int RemoveTagged(string tag)
    {
        var removed = 0;
        lock (_gate)
        {
            var node = _order.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.Entry.TagVersions.Contains(tag))
                {
                    _order.Remove(node);
                    _map.Remove(node.Value.Key);
                    removed++;
                }

                node = next;
            }
        }

        return removed;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
        }
    }
}
