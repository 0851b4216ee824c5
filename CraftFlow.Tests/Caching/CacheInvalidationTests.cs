using CraftFlow.Caching;
using static CraftFlow.Tests.Caching.CacheTestHelpers;

namespace CraftFlow.Tests.Caching;

/// <summary>What each change evicts, and that a job's many designs cost two tag removals, not one per design.</summary>
public sealed class CacheInvalidationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task One_design_evicts_it_and_the_lists_and_many_designs_evict_every_design_read_with_one_tag()
    {
        await using var node = await redis.NewCacheAsync();
        var removed = RecordTagRemovals(node);
        var user = Guid.NewGuid();
        Guid[] designs = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        var list = await CacheAsync(node, CacheTags.DesignList(user));
        var details = await Task.WhenAll(designs.Select(id => CacheAsync(node, CacheTags.Design(id), CacheTags.AnyDesign(user))));

        await node.Invalidation.DesignsChangedAsync(user, [designs[0]], default);

        Assert.Equal([CacheTags.DesignList(user), CacheTags.Design(designs[0])], removed);
        Assert.False(await IsCachedAsync(node, list));
        var stillCached = await Task.WhenAll(details.Select(key => IsCachedAsync(node, key)));
        Assert.Equal([false, true, true], stillCached);

        removed.Clear();
        list = await CacheAsync(node, CacheTags.DesignList(user));
        await node.Invalidation.DesignsChangedAsync(user, designs, default);

        Assert.Equal([CacheTags.DesignList(user), CacheTags.AnyDesign(user)], removed);
        Assert.False(await IsCachedAsync(node, list));
        stillCached = await Task.WhenAll(details.Select(key => IsCachedAsync(node, key)));
        Assert.Equal([false, false, false], stillCached);

        removed.Clear();
        await node.Invalidation.DesignsChangedAsync(user, [], default);
        Assert.Equal([CacheTags.DesignList(user)], removed);
    }

    [Fact]
    public async Task Templates_mockups_and_the_clear_routes_evict_their_own_tags()
    {
        await using var node = await redis.NewCacheAsync();
        var removed = RecordTagRemovals(node);
        var user = Guid.NewGuid();
        var template = Guid.NewGuid();
        var mockup = Guid.NewGuid();

        await node.Invalidation.TemplateChangedAsync(user, null, default);
        await node.Invalidation.TemplateChangedAsync(user, template, default);
        await node.Invalidation.MockupChangedAsync(user, null, default);
        await node.Invalidation.MockupChangedAsync(user, mockup, default);
        await node.Invalidation.ClearUserAsync(user, default);
        await node.Invalidation.ClearTemplateAsync(template, default);

        Assert.Equal(
            [
                CacheTags.TemplateList(user),
                CacheTags.TemplateList(user), CacheTags.Template(template),
                CacheTags.MockupList(user),
                CacheTags.MockupList(user), CacheTags.Mockup(mockup),
                CacheTags.User(user),
                CacheTags.Template(template),
            ],
            removed);
    }

    private static List<string> RecordTagRemovals(CacheNode node)
    {
        var removed = new List<string>();
        node.Cache.Events.RemoveByTag += (_, e) =>
        {
            lock (removed)
            {
                removed.Add(e.Tag);
            }
        };
        return removed;
    }

    private static async Task<string> CacheAsync(CacheNode node, params string[] tags)
    {
        var key = UniqueKey("read");
        await node.SetAsync(key, "cached", TimeSpan.FromMinutes(5), tags);
        return key;
    }

    private static async Task<bool> IsCachedAsync(CacheNode node, string key) => (await node.TryGetAsync<string>(key)).Found;
}
