using CraftFlow.Caching.OutputCaching;
using CraftFlow.Tests.Infrastructure;

namespace CraftFlow.Tests.Caching;

public sealed class OutputCacheStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Stores_responses_and_evicts_them_by_tag_on_every_node()
    {
        await using var nodeA = redis.NewCache();
        await using var nodeB = redis.NewCache();
        await nodeA.WaitForBackplaneAsync();
        await nodeB.WaitForBackplaneAsync();
        var storeA = new TwoTierOutputCacheStore(nodeA);
        var storeB = new TwoTierOutputCacheStore(nodeB);
        var user = $"user:{Guid.NewGuid():N}";
        var designs = $"/api/designs?u={Guid.NewGuid():N}";
        var templates = $"/api/templates?u={Guid.NewGuid():N}";
        byte[] body = [0, 1, 2, 250, 255];

        await storeA.SetAsync(designs, body, [user, "designs"], TimeSpan.FromMinutes(5), default);
        await storeA.SetAsync(templates, [42], ["templates"], TimeSpan.FromMinutes(5), default);

        Assert.Equal(body, await storeA.GetAsync(designs, default));
        Assert.Equal(body, await storeB.GetAsync(designs, default));
        Assert.InRange(await redis.Raw.TtlAsync("craftflow:output:" + designs), 250, 300);
        Assert.Null(await storeA.GetAsync("/missing", default));

        await storeA.EvictByTagAsync(user, default);

        Assert.Null(await storeA.GetAsync(designs, default));
        await Eventually.UntilAsync(async () => await storeB.GetAsync(designs, default), v => v is null, TimeSpan.FromSeconds(15), "node B to evict the response");
        Assert.Equal([42], await storeB.GetAsync(templates, default));

        // Output-cache tags are the cache's tags: invalidating through the cache evicts responses too.
        await nodeB.InvalidateTagAsync("templates");
        Assert.Null(await storeB.GetAsync(templates, default));
    }
}
