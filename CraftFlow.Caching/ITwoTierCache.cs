namespace CraftFlow.Caching;

/// <summary>
/// A two-tier cache: a bounded in-process LRU in front of Redis, with stampede protection, tag
/// invalidation across processes and a circuit breaker that keeps serving from memory when Redis is down.
/// </summary>
public interface ITwoTierCache
{
    /// <summary>
    /// The cached value of <paramref name="key"/>, or the factory's result (stored in both tiers). Concurrent
    /// misses on one key in one process run the factory once; the others wait for its result.
    /// </summary>
    ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>The cached value of <paramref name="key"/>, if any; never calls a factory.</summary>
    ValueTask<CacheLookup<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores a value in both tiers; other processes drop their memory copy of the key.</summary>
    ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a key from both tiers and from the other processes' memory tier.</summary>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Makes every entry tagged <paramref name="tag"/> a miss, in O(1), in every process.</summary>
    ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default);

    /// <summary>Counters since start-up and the current state of the tiers.</summary>
    CacheStats GetStats();

    /// <summary>A live check of both tiers (PINGs Redis when it is thought to be up).</summary>
    Task<CacheHealth> CheckHealthAsync(CancellationToken cancellationToken = default);
}
