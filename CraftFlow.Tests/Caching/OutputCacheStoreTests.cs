using CraftFlow.Tests.Infrastructure;
using static CraftFlow.Tests.Caching.CacheTestHelpers;

namespace CraftFlow.Tests.Caching;

public sealed class OutputCacheStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Stores_responses_and_evicts_them_by_tag_on_every_node()
    {
        await using var nodeA = await redis.NewCacheAsync();
        await using var nodeB = await redis.NewCacheAsync();
        await redis.WaitForBackplaneAsync(2);
        var storeA = nodeA.OutputCache;
        var storeB = nodeB.OutputCache;
        var user = UniqueTag("user");
        var designs = $"/api/designs?u={Guid.NewGuid():N}";
        var templates = $"/api/templates?u={Guid.NewGuid():N}";
        byte[] body = [0, 1, 2, 250, 255];

        await storeA.SetAsync(designs, body, [user, "designs"], TimeSpan.FromMinutes(5), default);
        await storeA.SetAsync(templates, [42], ["templates"], TimeSpan.FromMinutes(5), default);

        Assert.Equal(body, await storeA.GetAsync(designs, default));
        Assert.Equal(body, await Eventually.UntilAsync(() => storeB.GetAsync(designs, default).AsTask(), v => v is not null, Wait, "node B to read the response from Redis"));

        // Responses are only ever looked up, never recomputed by the cache: no fail-safe window, the TTL as given.
        var ttl = await redis.Raw.KeyTimeToLiveAsync(RedisFixture.RedisKey("output:" + designs));
        Assert.InRange(ttl!.Value.TotalSeconds, 250, 300);
        Assert.Null(await storeA.GetAsync("/missing", default));

        await storeA.EvictByTagAsync(user, default);

        Assert.Null(await storeA.GetAsync(designs, default));
        await Eventually.UntilAsync(() => storeB.GetAsync(designs, default).AsTask(), v => v is null, Wait, "node B to evict the response");
        Assert.Equal([42], await storeB.GetAsync(templates, default));

        // Output-cache tags are the cache's tags: invalidating through the cache evicts responses too.
        await nodeB.Cache.RemoveByTagAsync("templates");
        Assert.Null(await storeB.GetAsync(templates, default));
        await Eventually.UntilAsync(() => storeA.GetAsync(templates, default).AsTask(), v => v is null, Wait, "node A to evict the response");
    }
}
