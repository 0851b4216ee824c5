using System.ComponentModel.DataAnnotations;

namespace CraftFlow.Caching;

/// <summary>
/// Cache settings: the <c>Caching</c> section. The first three are the flat settings of DESIGN.md section 3
/// (ENABLE_CACHING, CACHE_TTL_SECONDS, CACHE_MAX_MEMORY_ITEMS), which the service defaults' one reader of the flat
/// variables copies here; the rest are tuning knobs with safe defaults. Bound with BindConfiguration and validated
/// at start-up, so a bad value fails the deploy naming the setting.
/// </summary>
public sealed class CachingOptions
{
    public const string SectionName = "Caching";

    /// <summary>ENABLE_CACHING: when false every read runs its factory and nothing is stored (and Redis is not used).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>CACHE_TTL_SECONDS: lifetime of an entry whose caller names none.</summary>
    [Range(1, 86_400, ErrorMessage = "CACHE_TTL_SECONDS (Caching:DefaultTtlSeconds) must be between {1} and {2} seconds.")]
    public int DefaultTtlSeconds { get; set; } = 300;

    /// <summary>
    /// CACHE_MAX_MEMORY_ITEMS: bound of the memory tier (a MemoryCache with this SizeLimit, every entry of size 1,
    /// FusionCache's tag bookkeeping included). When it is full a new entry is refused and a background compaction
    /// removes the least recently used entries; Redis still holds what the memory tier cannot.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "CACHE_MAX_MEMORY_ITEMS (Caching:MaxMemoryItems) must be between {1} and {2}.")]
    public int MaxMemoryItems { get; set; } = 1000;

    /// <summary>
    /// Longest a request waits on Redis (FusionCache's hard timeout on the distributed tier; also the health ping's).
    /// A slower Redis call goes on in the background while the request carries on from memory or the factory.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30", ErrorMessage = "Caching:RedisTimeout must be between {1} and {2}.")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often Redis is pinged to tell whether it answers (redis_available); a hung server keeps its socket open.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Caching:RedisProbeInterval must be between {1} and {2}.")]
    public TimeSpan RedisProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Fail-safe: how long past its TTL an entry is kept to answer with when its factory throws (the database is down)
    /// instead of failing the request. Removed and tag-invalidated entries are never served this way.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Caching:FailSafeWindow must be between {1} and {2}.")]
    public TimeSpan FailSafeWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a fail-safe answer, how long the stale value is served before the factory is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Caching:FailSafeThrottle must be between {1} and {2}.")]
    public TimeSpan FailSafeThrottle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After Redis comes back, how long FusionCache waits before replaying the writes, removals and notifications it
    /// could not send, so that every node has resubscribed and hears them.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Caching:AutoRecoveryDelay must be between {1} and {2}.")]
    public TimeSpan AutoRecoveryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often <c>CacheHealthReporter</c> logs the cache's health and hit rate.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Caching:HealthLogInterval must be between {1} and {2}.")]
    public TimeSpan HealthLogInterval { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan DefaultTtl => TimeSpan.FromSeconds(DefaultTtlSeconds);
}
