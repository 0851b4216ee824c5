namespace CraftFlow.Caching;

/// <summary>Cache settings bound from ENABLE_CACHING, CACHE_TTL_SECONDS and CACHE_MAX_MEMORY_ITEMS.</summary>
public sealed class CachingOptions
{
    public bool Enabled { get; set; } = true;

    public int DefaultTtlSeconds { get; set; } = 300;

    public int MaxMemoryItems { get; set; } = 1000;
}
