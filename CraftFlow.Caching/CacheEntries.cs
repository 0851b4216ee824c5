using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Caching;

/// <summary>
/// FusionCache entry options for CraftFlow's lifetimes, built once per TTL from the cache's defaults (timeouts,
/// memory size 1) and reused, as FusionCache advises. Fail-safe keeps an entry <see cref="CachingOptions.FailSafeWindow"/>
/// past its TTL (FusionCache's FailSafeMaxDuration counts from the write, so the window is added to the TTL).
/// </summary>
public sealed class CacheEntries(IFusionCache cache, IOptions<CachingOptions> options)
{
    // The TTLs in use are a handful (CacheTtls, CACHE_TTL_SECONDS); past this a caller is passing arbitrary ones.
    private const int MaxRemembered = 64;

    private readonly ConcurrentDictionary<(TimeSpan Ttl, bool FailSafe), FusionCacheEntryOptions> _built = new();

    /// <summary>For reads with a factory: served past its TTL when the factory fails (see <see cref="CachingOptions.FailSafeWindow"/>).</summary>
    public FusionCacheEntryOptions For(TimeSpan ttl) => Get(ttl, failSafe: true);

    /// <summary>
    /// For entries only ever read with TryGet (responses, token lookups): nothing is kept past the TTL, because no
    /// factory can fail over to it.
    /// </summary>
    public FusionCacheEntryOptions WithoutFailSafe(TimeSpan ttl) => Get(ttl, failSafe: false);

    private FusionCacheEntryOptions Get(TimeSpan ttl, bool failSafe)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return _built.TryGetValue((ttl, failSafe), out var built) ? built
            : _built.Count < MaxRemembered ? _built.GetOrAdd((ttl, failSafe), key => Build(key.Ttl, key.FailSafe))
            : Build(ttl, failSafe);
    }

    private FusionCacheEntryOptions Build(TimeSpan ttl, bool failSafe)
    {
        var window = options.Value.FailSafeWindow;
        return cache.CreateEntryOptions(entry =>
        {
            entry.IsFailSafeEnabled = failSafe && window > TimeSpan.Zero;
            entry.FailSafeMaxDuration = ttl + window;
        }, ttl);
    }
}
