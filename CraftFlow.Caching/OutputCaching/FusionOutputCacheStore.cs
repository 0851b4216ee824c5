using Microsoft.AspNetCore.OutputCaching;
using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Caching.OutputCaching;

/// <summary>
/// ASP.NET Core output caching on FusionCache: responses live in the memory tier and in Redis, and their tags are
/// ordinary cache tags, so <see cref="CacheInvalidation"/> evicts a user's cached responses on every node at once.
/// Chosen over Microsoft.AspNetCore.OutputCaching.StackExchangeRedis, which has no memory tier (a Redis round
/// trip for every cached response) and fails the request when Redis does not answer.
/// </summary>
public sealed class FusionOutputCacheStore(IFusionCache cache, CacheEntries entries) : IOutputCacheStore
{
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var found = await cache.TryGetAsync<byte[]>(CacheKeys.OutputCache(key), token: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value : null;
    }

    public async ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
        => await cache.SetAsync(CacheKeys.OutputCache(key), value, entries.WithoutFailSafe(validFor), tags, cancellationToken).ConfigureAwait(false);

    public async ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
        => await cache.RemoveByTagAsync(tag, token: cancellationToken).ConfigureAwait(false);
}
