using Microsoft.AspNetCore.OutputCaching;

namespace CraftFlow.Caching.OutputCaching;

/// <summary>
/// ASP.NET Core output caching on the two-tier cache (in place of Aspire.StackExchange.Redis.OutputCaching).
/// Responses live under <c>output:{key}</c>; their tags are ordinary cache tags, so
/// <c>InvalidateTagAsync("user:…")</c> also evicts the user's cached responses, and EvictByTagAsync is O(1).
/// </summary>
public sealed class TwoTierOutputCacheStore(ITwoTierCache cache) : IOutputCacheStore
{
    private const string KeyPrefix = "output:";

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var lookup = await cache.TryGetAsync<byte[]>(KeyPrefix + key, cancellationToken).ConfigureAwait(false);
        return lookup.Found ? lookup.Value : null;
    }

    public async ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var options = new CacheEntryOptions { Ttl = validFor, Tags = tags ?? [] };
        await cache.SetAsync(KeyPrefix + key, value, options, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellationToken)
        => cache.InvalidateTagAsync(tag, cancellationToken);
}
