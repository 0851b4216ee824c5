using System.Collections.Concurrent;

namespace CraftFlow.Caching.Memory;

/// <summary>
/// This process's copy of the tag versions (the truth is <c>craftflow:tag:{tag}</c> in Redis). Versions
/// only move forward here, so a late reply from Redis never undoes a newer pub/sub notification.
/// </summary>
internal sealed class TagVersionMirror(int capacity)
{
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);

    public int Count => _versions.Count;

    public bool TryGet(string tag, out long version) => _versions.TryGetValue(tag, out version);

    /// <summary>Records <paramref name="version"/> unless a newer one is known. Returns false when the mirror is full and was cleared.</summary>
    public bool Raise(string tag, long version)
    {
        if (_versions.Count >= capacity && !_versions.ContainsKey(tag))
        {
            return false;
        }

        _versions.AddOrUpdate(tag, version, (_, current) => Math.Max(current, version));
        return true;
    }

    /// <summary>Local-only bump, for when no Redis can hand out the next version. False when the mirror is full.</summary>
    public bool TryIncrement(string tag)
    {
        if (_versions.Count >= capacity && !_versions.ContainsKey(tag))
        {
            return false;
        }

        _versions.AddOrUpdate(tag, 1, (_, current) => current + 1);
        return true;
    }

    public void Clear() => _versions.Clear();
}
