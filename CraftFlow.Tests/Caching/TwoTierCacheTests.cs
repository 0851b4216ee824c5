using System.Diagnostics;
using CraftFlow.Caching;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CraftFlow.Tests.Caching.CacheTestHelpers;

namespace CraftFlow.Tests.Caching;

/// <summary>The two-tier cache as <c>AddCraftFlowCaching</c> configures FusionCache, against a real redis-server.</summary>
public sealed class TwoTierCacheTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Counts_a_miss_then_a_memory_hit_then_a_redis_hit_on_another_node()
    {
        await using var nodeA = await redis.NewCacheAsync();
        await using var nodeB = await redis.NewCacheAsync();
        var key = UniqueKey("counting");
        var factory = new CountingFactory("value");

        Assert.Equal("value-1", await nodeA.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeA.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeB.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeB.GetOrCreateAsync(key, factory.CreateAsync));

        Assert.Equal(1, factory.Calls);
        var a = nodeA.Stats;
        Assert.Equal((1, 1, 1, 0), (a.Misses, a.Hits, a.MemoryHits, a.RedisHits));
        Assert.Equal(50, a.HitRatePercent);
        var b = nodeB.Stats;
        Assert.Equal((0, 2, 1, 1), (b.Misses, b.Hits, b.MemoryHits, b.RedisHits));
        Assert.Equal(100, b.HitRatePercent);
        Assert.True(b.RedisAvailable);
        Assert.True(b.Enabled);
        Assert.True(b.MemoryItems > 0);
    }

    [Fact]
    public async Task Writes_to_redis_under_the_craftflow_prefix_with_the_entry_ttl_and_the_fail_safe_window()
    {
        await using var cache = await redis.NewCacheAsync();
        var window = cache.Services.GetRequiredService<IOptions<CachingOptions>>().Value.FailSafeWindow;
        var key = UniqueKey("ttl");

        // Reads with a factory keep the value for the fail-safe window past the TTL; TryGet-only entries do not.
        await cache.Cache.SetAsync(key, "hello", cache.Entries.For(TimeSpan.FromSeconds(120)));
        var ttl = await Eventually.UntilAsync(() => redis.Raw.KeyTimeToLiveAsync(RedisFixture.RedisKey(key)), t => t is not null, Wait, "the write to reach Redis");
        Assert.InRange(ttl!.Value.TotalSeconds, (120 + window.TotalSeconds) - 20, 120 + window.TotalSeconds);
        Assert.False(await redis.Raw.KeyExistsAsync(key));

        var lookup = UniqueKey("lookup");
        await cache.Cache.SetAsync(lookup, "token", cache.Entries.WithoutFailSafe(TimeSpan.FromSeconds(120)));
        ttl = await Eventually.UntilAsync(() => redis.Raw.KeyTimeToLiveAsync(RedisFixture.RedisKey(lookup)), t => t is not null, Wait, "the write to reach Redis");
        Assert.InRange(ttl!.Value.TotalSeconds, 100, 120);

        // No options: CACHE_TTL_SECONDS.
        await using var defaults = await redis.NewCacheAsync(s => s["CACHE_TTL_SECONDS"] = "60");
        var other = UniqueKey("default-ttl");
        await defaults.GetOrCreateAsync(other, _ => ValueTask.FromResult(1));
        ttl = await Eventually.UntilAsync(() => redis.Raw.KeyTimeToLiveAsync(RedisFixture.RedisKey(other)), t => t is not null, Wait, "the write to reach Redis");
        Assert.InRange(ttl!.Value.TotalSeconds, (60 + window.TotalSeconds) - 20, 60 + window.TotalSeconds);
    }

    [Fact]
    public async Task Round_trips_dates_through_redis_exactly()
    {
        await using var writer = await redis.NewCacheAsync();
        await using var reader = await redis.NewCacheAsync();
        var key = UniqueKey("dates");
        var original = new Stamped(
            new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(5.5)).AddTicks(5358979),
            DateTimeOffset.UnixEpoch.AddTicks(1),
            "π");

        await writer.SetAsync(key, original);
        var read = await Eventually.UntilAsync(() => reader.TryGetAsync<Stamped>(key), r => r.Found, Wait, "the value to reach Redis");

        Assert.Equal(original, read.Value);
        Assert.Equal(original.CreatedAt.Offset, read.Value!.CreatedAt.Offset);
        Assert.Equal(original.CreatedAt.Ticks, read.Value.CreatedAt.Ticks);
        Assert.Equal(1, reader.Stats.RedisHits);
    }

    [Fact]
    public async Task Entries_expire_after_their_ttl()
    {
        await using var cache = await redis.NewCacheAsync();
        var key = UniqueKey("expiry");
        var factory = new CountingFactory("v");
        var ttl = TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();

        Assert.Equal("v-1", await cache.GetOrCreateAsync(key, factory.CreateAsync, ttl));
        var beforeTtl = await cache.GetOrCreateAsync(key, factory.CreateAsync, ttl);
        var readBeforeTtl = clock.Elapsed < ttl;
        await Eventually.UntilAsync(() => cache.GetOrCreateAsync(key, factory.CreateAsync, ttl).AsTask(), v => v != "v-1", Wait, "the entry to expire");

        if (readBeforeTtl)
        {
            Assert.Equal("v-1", beforeTtl);
        }

        Assert.True(clock.Elapsed >= ttl, $"expired after {clock.Elapsed}");
        Assert.Equal(2, factory.Calls);
        Assert.Equal(2, cache.Stats.Misses);
    }

    [Fact]
    public async Task Memory_tier_is_bounded_and_compacts_the_least_recently_used_entries()
    {
        // FusionCache keeps two clear markers of its own in the tier once an entry has been read: room for three more.
        await using var cache = await redis.NewCacheAsync(s => s["CACHE_MAX_MEMORY_ITEMS"] = "5", withRedis: false);
        await cache.SetAsync("warm-up", 0);
        await cache.TryGetAsync<int>("warm-up");
        await cache.Cache.RemoveAsync("warm-up");

        await cache.SetAsync("a", 1);
        await cache.SetAsync("b", 2);
        await cache.SetAsync("c", 3);
        Assert.True((await cache.TryGetAsync<int>("a")).Found); // a is now more recently used than b
        Assert.Equal(5, cache.Stats.MemoryItems);

        // Full: the write is refused, and the compaction it starts removes the least recently used entry, b.
        await cache.SetAsync("d", 4);
        await Eventually.UntilAsync(() => Task.FromResult(cache.Stats), s => s.MemoryItems == 4 && s.Evictions == 2, Wait, "the compaction");
        Assert.False((await cache.TryGetAsync<int>("b")).Found);
        Assert.False((await cache.TryGetAsync<int>("d")).Found);
        Assert.Equal(1, (await cache.TryGetAsync<int>("a")).Value);
        Assert.Equal(3, (await cache.TryGetAsync<int>("c")).Value);
        await cache.SetAsync("d", 4);
        Assert.Equal(4, (await cache.TryGetAsync<int>("d")).Value);

        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"bulk-{i}", i);
            Assert.InRange(cache.Stats.MemoryItems, 0, 5);
        }

        // Every write into the full tier is either refused or takes the place of an evicted entry.
        await Eventually.UntilAsync(() => Task.FromResult(cache.Stats.Evictions), e => e >= 102, Wait, "the evictions to be counted");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invalidating_a_tag_turns_only_its_entries_into_misses(bool withRedis)
    {
        await using var cache = await redis.NewCacheAsync(withRedis: withRedis);
        var user = UniqueTag("user");
        var template = UniqueTag("template");
        var designs = new CountingFactory("designs");
        var templateList = new CountingFactory("templates");
        var designsKey = UniqueKey("designs");
        var templatesKey = UniqueKey("templates");

        await cache.GetOrCreateAsync(designsKey, designs.CreateAsync, TimeSpan.FromMinutes(5), user, template);
        await cache.GetOrCreateAsync(templatesKey, templateList.CreateAsync, TimeSpan.FromMinutes(10), template);

        await cache.Cache.RemoveByTagAsync(user);

        if (withRedis)
        {
            // The invalidation is in Redis, not only in this node's memory: a node that never saw it agrees.
            await using var fresh = await redis.NewCacheAsync();
            Assert.False((await fresh.TryGetAsync<string>(designsKey)).Found);
            Assert.Equal("templates-1", (await Eventually.UntilAsync(() => fresh.TryGetAsync<string>(templatesKey), r => r.Found, Wait, "the entry in Redis")).Value);
        }

        Assert.Equal("designs-2", await cache.GetOrCreateAsync(designsKey, designs.CreateAsync, TimeSpan.FromMinutes(5), user, template));
        Assert.Equal("templates-1", await cache.GetOrCreateAsync(templatesKey, templateList.CreateAsync, TimeSpan.FromMinutes(10), template));

        await cache.Cache.RemoveByTagAsync(template);
        Assert.False((await cache.TryGetAsync<string>(designsKey)).Found);
        Assert.False((await cache.TryGetAsync<string>(templatesKey)).Found);
    }

    [Fact]
    public async Task Two_nodes_see_each_others_changes_through_the_backplane()
    {
        await using var nodeA = await redis.NewCacheAsync();
        await using var nodeB = await redis.NewCacheAsync();
        await redis.WaitForBackplaneAsync(2);
        var tag = UniqueTag("user");
        var tagged = UniqueKey("tagged");
        var plain = UniqueKey("plain");

        await nodeA.SetAsync(tagged, "v1", TimeSpan.FromMinutes(5), tag);
        await nodeA.SetAsync(plain, "p1");
        Assert.Equal("v1", (await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(tagged), r => r.Found, Wait, "B to read A's write")).Value);
        Assert.Equal("p1", (await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(plain), r => r.Found, Wait, "B to read A's write")).Value);
        Assert.Equal("v1", (await nodeB.TryGetAsync<string>(tagged)).Value); // now in B's memory tier
        Assert.Equal(1, nodeB.Stats.MemoryHits);

        // A tag invalidated on A: B's memory copy becomes a miss without B doing anything.
        await nodeA.Cache.RemoveByTagAsync(tag);
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(tagged), r => !r.Found, Wait, "node B to drop the invalidated entry");

        // A key overwritten on A: B drops its memory copy and reads the new value from Redis.
        await nodeA.SetAsync(plain, "p2");
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(plain), r => r.Value == "p2", Wait, "node B to see the new value");

        // A key removed on A: gone on B too, and from Redis.
        await nodeA.Cache.RemoveAsync(plain);
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(plain), r => !r.Found, Wait, "node B to drop the removed key");
        await Eventually.UntilAsync(() => redis.Raw.KeyExistsAsync(RedisFixture.RedisKey(plain)), exists => !exists, Wait, "the key to leave Redis");
    }

    [Fact]
    public async Task A_hundred_concurrent_misses_on_one_key_run_the_factory_once()
    {
        await using var cache = await redis.NewCacheAsync();
        var key = UniqueKey("stampede");
        var calls = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> SlowFactory(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            await release.Task.WaitAsync(cancellationToken);
            return "expensive";
        }

        var callers = Enumerable.Range(0, 100)
            .Select(_ => Task.Run(() => cache.GetOrCreateAsync(key, SlowFactory).AsTask()))
            .ToArray();
        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref calls)), c => c > 0, Wait, "the factory to start");
        release.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.All(results, r => Assert.Equal("expensive", r));
        Assert.Equal(1, calls);
        var stats = cache.Stats;
        Assert.Equal(1, stats.Misses);
        Assert.Equal(99, stats.Hits);
    }

    [Fact]
    public async Task With_caching_disabled_the_factory_always_runs_and_nothing_is_stored()
    {
        await using var cache = await redis.NewCacheAsync(s => s["ENABLE_CACHING"] = "false");
        var key = UniqueKey("disabled");
        var factory = new CountingFactory("fresh");

        Assert.Equal("fresh-1", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("fresh-2", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        await cache.SetAsync(key, "set");
        await cache.Invalidation.ClearUserAsync(Guid.NewGuid(), default);
        await cache.Cache.RemoveAsync(key);

        Assert.False((await cache.TryGetAsync<string>(key)).Found);
        Assert.False(await redis.Raw.KeyExistsAsync(RedisFixture.RedisKey(key)));
        var stats = cache.Stats;
        Assert.False(stats.Enabled);
        Assert.False(stats.RedisAvailable);
        Assert.False(stats.RedisConfigured);
        Assert.Equal(0, stats.MemoryItems);
        Assert.Equal(0, stats.Hits + stats.Misses);
        var health = await cache.Monitor.CheckHealthAsync();
        Assert.Equal((CacheHealth.Disabled, CacheHealth.Healthy), (health.Redis, health.Overall));
    }

    [Fact]
    public async Task Without_a_connection_string_the_cache_is_memory_only()
    {
        await using var cache = await redis.NewCacheAsync(withRedis: false);
        var key = UniqueKey("memory-only");
        var factory = new CountingFactory("m");

        await cache.GetOrCreateAsync(key, factory.CreateAsync);
        await cache.GetOrCreateAsync(key, factory.CreateAsync);

        Assert.Equal(1, factory.Calls);
        var stats = cache.Stats;
        Assert.False(stats.RedisAvailable);
        Assert.False(stats.RedisConfigured);
        Assert.Equal(1, stats.MemoryHits);
        Assert.False(cache.Cache.HasDistributedCache);
        var health = await cache.Monitor.CheckHealthAsync();
        Assert.Equal((CacheHealth.NotConfigured, CacheHealth.Healthy), (health.Redis, health.Overall));
    }

    [Fact]
    public async Task A_value_of_another_type_under_the_same_key_is_a_miss_not_an_exception()
    {
        await using var writer = await redis.NewCacheAsync();
        await using var reader = await redis.NewCacheAsync();
        var key = UniqueKey("types");

        await writer.SetAsync(key, "not a number");
        await Eventually.UntilAsync(() => redis.Raw.KeyExistsAsync(RedisFixture.RedisKey(key)), e => e, Wait, "the write to reach Redis");

        Assert.Equal(42, await reader.GetOrCreateAsync(key, _ => ValueTask.FromResult(42)));
        Assert.Equal(1, reader.Stats.Errors);
    }

    [Fact]
    public async Task When_the_factory_fails_an_expired_value_is_served_but_never_an_invalidated_one()
    {
        // Real time (FusionCache reads the system clock): a 1 s TTL, kept 3 s past it, the factory retried after 30 s.
        await using var cache = await redis.NewCacheAsync(s =>
        {
            s["Caching:FailSafeWindow"] = "00:00:03";
            s["Caching:FailSafeThrottle"] = "00:00:30";
        });
        var ttl = TimeSpan.FromSeconds(1);
        var tag = UniqueTag("user");
        var expired = UniqueKey("fail-safe");
        var invalidated = UniqueKey("fail-safe-tagged");
        var failures = 0;
        ValueTask<string> Failing(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref failures);
            throw new InvalidOperationException("database unreachable");
        }

        await cache.SetAsync(expired, "old", ttl);
        await cache.SetAsync(invalidated, "wrong", ttl, tag);
        await Eventually.UntilAsync(() => cache.TryGetAsync<string>(expired), r => !r.Found, Wait, "the TTL to pass");

        Assert.Equal("old", await cache.GetOrCreateAsync(expired, Failing, ttl, tag));
        Assert.Equal("old", await cache.GetOrCreateAsync(expired, Failing, ttl, tag)); // throttled: no new factory call
        Assert.Equal(1, failures);
        Assert.Equal(1, cache.Stats.StaleServed);

        await cache.Cache.RemoveByTagAsync(tag);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrCreateAsync(invalidated, Failing, ttl, tag).AsTask());

        // A removed key is never served either.
        var removed = UniqueKey("fail-safe-removed");
        await cache.SetAsync(removed, "gone", ttl);
        await cache.Cache.RemoveAsync(removed);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrCreateAsync(removed, Failing, ttl).AsTask());

        // Past the fail-safe window the old value is gone for good.
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await cache.GetOrCreateAsync(expired, Failing, ttl, tag);
                    return false;
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            },
            gone => gone,
            Wait,
            "the fail-safe window to pass");
    }

    private sealed record Stamped(DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Name);
}
