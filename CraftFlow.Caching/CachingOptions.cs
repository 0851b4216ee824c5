namespace CraftFlow.Caching;

/// <summary>
/// Cache settings. The first four are bound from the flat settings of DESIGN.md section 3
/// (ENABLE_CACHING, CACHE_TTL_SECONDS, CACHE_MAX_MEMORY_ITEMS, DEBUG_LOGGING); the rest are
/// tuning knobs with safe defaults that code (and tests) may change.
/// </summary>
public sealed class CachingOptions
{
    public const string EnabledSetting = "ENABLE_CACHING";
    public const string DefaultTtlSetting = "CACHE_TTL_SECONDS";
    public const string MaxMemoryItemsSetting = "CACHE_MAX_MEMORY_ITEMS";
    public const string DebugLoggingSetting = "DEBUG_LOGGING";

    /// <summary>ENABLE_CACHING: when false every read calls its factory and nothing is stored.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>CACHE_TTL_SECONDS: lifetime of an entry whose options name none.</summary>
    public int DefaultTtlSeconds { get; set; } = 300;

    /// <summary>CACHE_MAX_MEMORY_ITEMS: bound of the in-process tier; the least recently used entry goes first.</summary>
    public int MaxMemoryItems { get; set; } = 1000;

    /// <summary>DEBUG_LOGGING: log every hit, miss and invalidation at Debug level.</summary>
    public bool DebugLogging { get; set; }

    /// <summary>
    /// Longest any request waits on Redis. FreeRedis gets the same connect/send/receive timeouts, but
    /// its calls block their thread on a hung server (measured ~1 s with 250 ms timeouts), so every call
    /// is also abandoned by the cache after this long.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a dead Redis is probed, and how often a live one gets a pub/sub heartbeat.</summary>
    public TimeSpan RedisProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Cap on the memory-tier lifetime of entries written while Redis is unreachable: other nodes'
    /// invalidations cannot reach us then, so what we cache must not outlive the outage by much.
    /// </summary>
    public TimeSpan OutageMemoryTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fail-safe: how long past its TTL the memory tier keeps an entry to answer with when the factory
    /// throws (the database is down) instead of failing the request. Zero turns fail-safe off. Entries
    /// removed or invalidated by tag are never served this way: they are known to be wrong, not just old.
    /// </summary>
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a fail-safe answer, how long the stale value is served before the factory is tried again.</summary>
    public TimeSpan FailSafeThrottle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often <c>CacheHealthReporter</c> logs the cache's health and hit rate.</summary>
    public TimeSpan HealthLogInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Prefix of every Redis key and channel the cache uses.</summary>
    public string KeyPrefix { get; set; } = "craftflow:";

    public TimeSpan DefaultTtl => TimeSpan.FromSeconds(DefaultTtlSeconds);
}
