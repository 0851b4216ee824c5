using CraftFlow.Caching;
using CraftFlow.Tests.Infrastructure;
using static CraftFlow.Tests.Caching.CacheTestHelpers;

namespace CraftFlow.Tests.Caching;

public sealed class TwoTierCacheTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Counts_a_miss_then_a_memory_hit_then_a_redis_hit_on_another_node()
    {
        await using var nodeA = redis.NewCache();
        await using var nodeB = redis.NewCache();
        await nodeA.WaitForBackplaneAsync();
        await nodeB.WaitForBackplaneAsync();
        var key = UniqueKey("counting");
        var factory = new CountingFactory("value");

        Assert.Equal("value-1", await nodeA.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeA.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeB.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("value-1", await nodeB.GetOrCreateAsync(key, factory.CreateAsync));

        Assert.Equal(1, factory.Calls);
        var a = nodeA.GetStats();
        Assert.Equal((1, 1, 1, 0), (a.Misses, a.Hits, a.MemoryHits, a.RedisHits));
        Assert.Equal(50, a.HitRatePercent);
        var b = nodeB.GetStats();
        Assert.Equal((0, 2, 1, 1), (b.Misses, b.Hits, b.MemoryHits, b.RedisHits));
        Assert.Equal(100, b.HitRatePercent);
        Assert.True(b.RedisAvailable);
        Assert.True(b.Enabled);
        Assert.Equal(1, b.MemoryItems);
    }

    [Fact]
    public async Task Writes_to_redis_under_the_craftflow_prefix_with_the_entry_ttl()
    {
        await using var cache = redis.NewCache();
        await cache.WaitForBackplaneAsync();
        var key = UniqueKey("ttl");

        await cache.SetAsync(key, "hello", CacheEntryOptions.For(TimeSpan.FromSeconds(120)));

        var ttl = await redis.Raw.TtlAsync("craftflow:" + key);
        Assert.InRange(ttl, 100, 120);
        Assert.False(await redis.Raw.ExistsAsync(key));

        await using var defaults = redis.NewCache(o => o.DefaultTtlSeconds = 300);
        await defaults.WaitForBackplaneAsync();
        var other = UniqueKey("default-ttl");
        await defaults.GetOrCreateAsync(other, _ => ValueTask.FromResult(1));
        Assert.InRange(await redis.Raw.TtlAsync("craftflow:" + other), 280, 300);
    }

    [Fact]
    public async Task Round_trips_dates_through_redis_exactly()
    {
        await using var writer = redis.NewCache();
        await using var reader = redis.NewCache();
        await writer.WaitForBackplaneAsync();
        await reader.WaitForBackplaneAsync();
        var key = UniqueKey("dates");
        var original = new Stamped(
            new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(5.5)).AddTicks(5358979),
            DateTimeOffset.UnixEpoch.AddTicks(1),
            "π");

        await writer.SetAsync(key, original);
        var read = await reader.TryGetAsync<Stamped>(key);

        Assert.True(read.Found);
        Assert.Equal(original, read.Value);
        Assert.Equal(original.CreatedAt.Offset, read.Value!.CreatedAt.Offset);
        Assert.Equal(original.CreatedAt.Ticks, read.Value.CreatedAt.Ticks);
        Assert.Equal(1, reader.GetStats().RedisHits);
    }

    [Fact]
    public async Task Entries_expire_when_the_time_provider_passes_their_ttl()
    {
        var clock = RedisFixture.NewClock();
        await using var cache = redis.NewCache(time: clock);
        var key = UniqueKey("expiry");
        var factory = new CountingFactory("v");
        var options = CacheEntryOptions.For(TimeSpan.FromSeconds(60));

        await cache.GetOrCreateAsync(key, factory.CreateAsync, options);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("v-1", await cache.GetOrCreateAsync(key, factory.CreateAsync, options));

        // Past the TTL both tiers treat the entry as gone (Redis still holds it: its real clock has not moved).
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("v-2", await cache.GetOrCreateAsync(key, factory.CreateAsync, options));
        Assert.Equal(2, cache.GetStats().Misses);
    }

    [Fact]
    public async Task Memory_tier_is_a_bounded_lru_that_counts_evictions()
    {
        await using var cache = redis.NewCache(o => o.MaxMemoryItems = 3, withRedis: false);

        await cache.SetAsync("a", 1);
        await cache.SetAsync("b", 2);
        await cache.SetAsync("c", 3);
        Assert.True((await cache.TryGetAsync<int>("a")).Found); // a is now the most recently used
        await cache.SetAsync("d", 4);                          // so b, the least recently used, goes

        var stats = cache.GetStats();
        Assert.Equal(3, stats.MemoryItems);
        Assert.Equal(1, stats.Evictions);
        Assert.False((await cache.TryGetAsync<int>("b")).Found);
        Assert.Equal(1, (await cache.TryGetAsync<int>("a")).Value);
        Assert.Equal(3, (await cache.TryGetAsync<int>("c")).Value);
        Assert.Equal(4, (await cache.TryGetAsync<int>("d")).Value);

        for (var i = 0; i < 100; i++)
        {
            await cache.SetAsync($"bulk-{i}", i);
        }

        Assert.Equal(3, cache.GetStats().MemoryItems);
        Assert.Equal(101, cache.GetStats().Evictions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invalidating_a_tag_turns_only_its_entries_into_misses(bool withRedis)
    {
        await using var cache = redis.NewCache(withRedis: withRedis);
        if (withRedis)
        {
            await cache.WaitForBackplaneAsync();
        }

        var user = $"user:{Guid.NewGuid():N}";
        var template = $"template:{Guid.NewGuid():N}";
        var designs = new CountingFactory("designs");
        var templateList = new CountingFactory("templates");
        var designsKey = UniqueKey("designs");
        var templatesKey = UniqueKey("templates");

        await cache.GetOrCreateAsync(designsKey, designs.CreateAsync, CacheEntryOptions.For(TimeSpan.FromMinutes(5), user, template));
        await cache.GetOrCreateAsync(templatesKey, templateList.CreateAsync, CacheEntryOptions.For(TimeSpan.FromMinutes(10), template));

        await cache.InvalidateTagAsync(user);

        Assert.Equal("designs-2", await cache.GetOrCreateAsync(designsKey, designs.CreateAsync, CacheEntryOptions.For(TimeSpan.FromMinutes(5), user, template)));
        Assert.Equal("templates-1", await cache.GetOrCreateAsync(templatesKey, templateList.CreateAsync, CacheEntryOptions.For(TimeSpan.FromMinutes(10), template)));

        await cache.InvalidateTagAsync(template);
        Assert.False((await cache.TryGetAsync<string>(designsKey)).Found);
        Assert.False((await cache.TryGetAsync<string>(templatesKey)).Found);
        if (withRedis)
        {
            Assert.Equal("1", await redis.Raw.GetAsync($"craftflow:tag:{user}"));
            Assert.Equal("1", await redis.Raw.GetAsync($"craftflow:tag:{template}"));
        }
    }

    [Fact]
    public async Task Two_nodes_see_each_others_changes_through_pub_sub()
    {
        await using var nodeA = redis.NewCache();
        await using var nodeB = redis.NewCache();
        await nodeA.WaitForBackplaneAsync();
        await nodeB.WaitForBackplaneAsync();
        var tag = $"user:{Guid.NewGuid():N}";
        var tagged = UniqueKey("tagged");
        var plain = UniqueKey("plain");
        var options = CacheEntryOptions.For(TimeSpan.FromMinutes(5), tag);

        await nodeA.SetAsync(tagged, "v1", options);
        await nodeA.SetAsync(plain, "p1");
        Assert.Equal("v1", (await nodeB.TryGetAsync<string>(tagged)).Value);
        Assert.Equal("p1", (await nodeB.TryGetAsync<string>(plain)).Value);
        Assert.Equal("v1", (await nodeB.TryGetAsync<string>(tagged)).Value); // now in B's memory tier
        Assert.Equal(1, nodeB.GetStats().MemoryHits);

        // A tag invalidated on A: B's memory copy becomes a miss without B doing anything.
        await nodeA.InvalidateTagAsync(tag);
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(tagged).AsTask(), r => !r.Found, Wait, "node B to drop the invalidated entry");

        // A key overwritten on A: B drops its memory copy and reads the new value from Redis.
        await nodeA.SetAsync(plain, "p2");
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(plain).AsTask(), r => r.Value == "p2", Wait, "node B to see the new value");

        // A key removed on A: gone on B too.
        await nodeA.RemoveAsync(plain);
        await Eventually.UntilAsync(() => nodeB.TryGetAsync<string>(plain).AsTask(), r => !r.Found, Wait, "node B to drop the removed key");
        Assert.False(await redis.Raw.ExistsAsync("craftflow:" + plain));
    }

    [Fact]
    public async Task A_hundred_concurrent_misses_on_one_key_run_the_factory_once()
    {
        await using var cache = redis.NewCache();
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
        var stats = cache.GetStats();
        Assert.Equal(1, stats.Misses);
        Assert.Equal(99, stats.Hits);
    }

    [Fact]
    public async Task With_caching_disabled_the_factory_always_runs_and_nothing_is_stored()
    {
        await using var cache = redis.NewCache(o => o.Enabled = false);
        var key = UniqueKey("disabled");
        var factory = new CountingFactory("fresh");

        Assert.Equal("fresh-1", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("fresh-2", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        await cache.SetAsync(key, "set");
        await cache.InvalidateTagAsync("user:x");
        await cache.RemoveAsync(key);

        Assert.False((await cache.TryGetAsync<string>(key)).Found);
        Assert.False(await redis.Raw.ExistsAsync("craftflow:" + key));
        var stats = cache.GetStats();
        Assert.False(stats.Enabled);
        Assert.False(stats.RedisAvailable);
        Assert.Equal(0, stats.MemoryItems);
        Assert.Equal(0, stats.Hits + stats.Misses);
        var health = await cache.CheckHealthAsync();
        Assert.Equal((CacheHealth.Disabled, CacheHealth.Healthy), (health.Redis, health.Overall));
    }

    [Fact]
    public async Task Without_a_connection_string_the_cache_is_memory_only()
    {
        await using var cache = redis.NewCache(withRedis: false);
        var key = UniqueKey("memory-only");
        var factory = new CountingFactory("m");

        await cache.GetOrCreateAsync(key, factory.CreateAsync);
        await cache.GetOrCreateAsync(key, factory.CreateAsync);

        Assert.Equal(1, factory.Calls);
        var stats = cache.GetStats();
        Assert.False(stats.RedisAvailable);
        Assert.False(stats.RedisConfigured);
        Assert.Equal(1, stats.MemoryHits);
        var health = await cache.CheckHealthAsync();
        Assert.Equal((CacheHealth.NotConfigured, CacheHealth.Healthy), (health.Redis, health.Overall));
    }

    [Fact]
    public async Task A_value_of_another_type_under_the_same_key_is_a_miss_not_an_exception()
    {
        await using var writer = redis.NewCache();
        await using var reader = redis.NewCache();
        await writer.WaitForBackplaneAsync();
        await reader.WaitForBackplaneAsync();
        var key = UniqueKey("types");

        await writer.SetAsync(key, "not a number");

        Assert.Equal(42, await reader.GetOrCreateAsync(key, _ => ValueTask.FromResult(42)));
        Assert.Equal(1, reader.GetStats().Errors);
    }

    [Fact]
    public async Task When_the_factory_fails_an_expired_value_is_served_but_never_an_invalidated_one()
    {
        var clock = RedisFixture.NewClock();
        await using var cache = redis.NewCache(
            o =>
            {
                o.FailSafeMaxDuration = TimeSpan.FromMinutes(5);
                o.FailSafeThrottle = TimeSpan.FromSeconds(30);
            },
            clock);
        var tag = $"user:{Guid.NewGuid():N}";
        var expired = UniqueKey("fail-safe");
        var invalidated = UniqueKey("fail-safe-tagged");
        var options = CacheEntryOptions.For(TimeSpan.FromSeconds(60), tag);
        var failures = 0;
        ValueTask<string> Failing(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref failures);
            throw new InvalidOperationException("database unreachable");
        }

        await cache.SetAsync(expired, "old", CacheEntryOptions.For(TimeSpan.FromSeconds(60)));
        await cache.SetAsync(invalidated, "wrong", options);
        clock.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("old", await cache.GetOrCreateAsync(expired, Failing, options));
        Assert.Equal("old", await cache.GetOrCreateAsync(expired, Failing, options)); // throttled: no new factory call
        Assert.Equal(1, failures);
        Assert.Equal(1, cache.GetStats().StaleServed);

        await cache.InvalidateTagAsync(tag);
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrCreateAsync(invalidated, Failing, options).AsTask());

        // Past FailSafeMaxDuration the old value is gone for good.
        clock.Advance(TimeSpan.FromMinutes(6));
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetOrCreateAsync(expired, Failing, options).AsTask());
    }

    private sealed record Stamped(DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Name);
}
