namespace CraftFlow.Caching;

/// <summary>
/// Cache counters since start-up. Property names serialise (snake_case) to the fields of
/// <c>GET /api/cache/stats</c>: <c>hits</c>, <c>misses</c>, <c>hit_rate_percent</c>, <c>redis_available</c>, <c>enabled</c>, ….
/// </summary>
public sealed record CacheStats
{
    /// <summary>Reads answered from either tier without running a factory.</summary>
    public long Hits { get; init; }

    /// <summary>Reads that found nothing: the factory ran (for GetOrSet), or nothing came back (TryGet).</summary>
    public long Misses { get; init; }

    public double HitRatePercent { get; init; }

    public long MemoryHits { get; init; }

    public long RedisHits { get; init; }

    /// <summary>Factory failures answered with a value past its TTL (fail-safe).</summary>
    public long StaleServed { get; init; }

    /// <summary>Lost Redis connections, failed or slow Redis pings, and cached values that could not be read.</summary>
    public long Errors { get; init; }

    /// <summary>Entries refused or pushed out of the memory tier by its size bound.</summary>
    public long Evictions { get; init; }

    public int MemoryItems { get; init; }

    public int MaxMemoryItems { get; init; }

    public bool Enabled { get; init; }

    /// <summary>Whether a Redis connection string was given (and caching is on).</summary>
    public bool RedisConfigured { get; init; }

    /// <summary>Redis is configured, connected and answered its latest ping.</summary>
    public bool RedisAvailable { get; init; }
}
