using System.Diagnostics;
using CraftFlow.Caching;
using CraftFlow.Caching.Health;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static CraftFlow.Tests.Caching.CacheTestHelpers;

namespace CraftFlow.Tests.Caching;

/// <summary>Kills and restarts this class's own redis-server, so it gets its own fixture.</summary>
public sealed class RedisOutageTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    // The bound a request may wait on a dead Redis is RedisTimeout (250 ms); this allows for a loaded machine.
    private static readonly TimeSpan Fast = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Serves_from_memory_while_redis_is_down_and_uses_redis_again_when_it_returns()
    {
        await using var cache = redis.NewCache(o =>
        {
            o.RedisTimeout = TimeSpan.FromMilliseconds(250);
            o.RedisProbeInterval = TimeSpan.FromMilliseconds(200);
        });
        var health = new RedisCacheHealthCheck(cache);
        var context = new HealthCheckContext();

        // With a 250 ms timeout the very first connection on a loaded machine may trip the circuit; start from a settled state.
        await cache.WaitForBackplaneAsync();
        await Eventually.UntilAsync(() => health.CheckHealthAsync(context), r => r.Status == HealthStatus.Healthy, Wait, "a healthy start");
        var warm = UniqueKey("warm");
        var tag = $"template:{Guid.NewGuid():N}";
        var tagged = UniqueKey("tagged");
        var factory = new CountingFactory("v");
        Assert.Equal("v-1", await cache.GetOrCreateAsync(warm, factory.CreateAsync));
        await cache.SetAsync(tagged, "tagged-1", CacheEntryOptions.For(TimeSpan.FromMinutes(5), tag));

        redis.Server.Kill();

        // Every operation keeps working, from memory, and none waits long on the dead server.
        var clock = Stopwatch.StartNew();
        Assert.Equal("v-1", await cache.GetOrCreateAsync(warm, factory.CreateAsync));
        var cold = UniqueKey("cold");
        Assert.Equal("v-2", await cache.GetOrCreateAsync(cold, factory.CreateAsync));
        Assert.Equal("v-2", await cache.GetOrCreateAsync(cold, factory.CreateAsync));
        await cache.SetAsync(warm, "v-set-during-outage");
        Assert.Equal("v-set-during-outage", (await cache.TryGetAsync<string>(warm)).Value);
        await cache.InvalidateTagAsync(tag);
        Assert.False((await cache.TryGetAsync<string>(tagged)).Found);
        Assert.True(clock.Elapsed < Fast * 3, $"operations against a dead Redis took {clock.Elapsed}");

        var stats = await Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => !s.RedisAvailable, Wait, "redis_available to turn false");
        Assert.True(stats.Errors > 0);
        var degraded = await health.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal(CacheHealth.Degraded, (await cache.CheckHealthAsync()).Redis);

        await redis.Server.RestartAsync();

        await Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => s.RedisAvailable, Wait, "redis_available to turn true again");
        await Eventually.UntilAsync(() => health.CheckHealthAsync(context), r => r.Status == HealthStatus.Healthy, Wait, "the health check to turn healthy");

        // Writes land in Redis again.
        var after = UniqueKey("after");
        await cache.SetAsync(after, "back");
        await Eventually.UntilAsync(() => redis.Raw.ExistsAsync("craftflow:" + after), e => e, Wait, "a write to land in the restarted Redis");

        // The invalidation made during the outage reached Redis when it returned.
        Assert.Equal("1", await redis.Raw.GetAsync($"craftflow:tag:{tag}"));

        // The memory tier was cleared on recovery (other nodes' invalidations may have been missed).
        Assert.False((await cache.TryGetAsync<string>(cold)).Found);
        await cache.WaitForBackplaneAsync();
    }

    [Fact]
    public async Task After_a_redis_restart_invalidations_reach_the_other_node_again()
    {
        await using var nodeA = redis.NewCache(o => o.RedisProbeInterval = TimeSpan.FromMilliseconds(200));
        await using var nodeB = redis.NewCache(o => o.RedisProbeInterval = TimeSpan.FromMilliseconds(200));
        await nodeA.WaitForBackplaneAsync();
        await nodeB.WaitForBackplaneAsync();

        // FreeRedis neither fails nor resubscribes when the server restarts between two calls: the
        // heartbeat has to notice that the subscription is gone.
        await redis.Server.RestartAsync();

        await Eventually.UntilAsync(() => InvalidationReachesAsync(nodeA, nodeB), reached => reached, Wait, "an invalidation on A to reach B after the restart");
        await Eventually.UntilAsync(() => InvalidationReachesAsync(nodeB, nodeA), reached => reached, Wait, "an invalidation on B to reach A after the restart");
    }

    private static async Task<bool> InvalidationReachesAsync(CraftFlowCache from, CraftFlowCache to)
    {
        var tag = $"user:{Guid.NewGuid():N}";
        var key = UniqueKey("after-restart");
        await from.SetAsync(key, "v", CacheEntryOptions.For(TimeSpan.FromMinutes(5), tag));
        if (!(await to.TryGetAsync<string>(key)).Found)
        {
            return false; // the write did not land in Redis yet (circuit open): try again
        }

        await from.InvalidateTagAsync(tag);
        try
        {
            await Eventually.UntilAsync(() => to.TryGetAsync<string>(key).AsTask(), r => !r.Found, TimeSpan.FromSeconds(1), "the invalidation");
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_hung_redis_costs_a_request_at_most_the_redis_timeout()
    {
        // FreeRedis alone blocks about a second per call on a hung server (measured); the cache gives up after 250 ms.
        await using var cache = redis.NewCache(o =>
        {
            o.RedisTimeout = TimeSpan.FromMilliseconds(250);
            o.RedisProbeInterval = TimeSpan.FromMilliseconds(200);
        });
        await cache.WaitForBackplaneAsync();
        await Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => s.RedisAvailable, Wait, "a settled start");
        var pid = redis.Server.ProcessId ?? throw new InvalidOperationException("redis-server is not running");
        var factory = new CountingFactory("h");

        Signal("STOP", pid);
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.Equal("h-1", await cache.GetOrCreateAsync(UniqueKey("hung"), factory.CreateAsync));
            var first = clock.Elapsed;
            clock.Restart();
            Assert.Equal("h-2", await cache.GetOrCreateAsync(UniqueKey("hung"), factory.CreateAsync));
            var second = clock.Elapsed;

            Assert.True(first < TimeSpan.FromMilliseconds(1500), $"first call against a hung Redis took {first}");
            Assert.True(second < TimeSpan.FromMilliseconds(500), $"with the circuit open a call took {second}");
            Assert.False(cache.GetStats().RedisAvailable);
        }
        finally
        {
            Signal("CONT", pid);
        }

        await Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => s.RedisAvailable, Wait, "redis_available after the server resumes");
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task A_cache_whose_redis_is_unreachable_from_the_start_serves_from_memory()
    {
        var deadPort = CraftFlow.AppHost.Resources.FreePort.Next();
        await using var cache = new CraftFlowCache(new CachingOptions { RedisProbeInterval = TimeSpan.FromMilliseconds(200) }, $"127.0.0.1:{deadPort}");
        var key = UniqueKey("dead-from-start");
        var factory = new CountingFactory("d");

        var clock = Stopwatch.StartNew();
        Assert.Equal("d-1", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.Equal("d-1", await cache.GetOrCreateAsync(key, factory.CreateAsync));
        Assert.True(clock.Elapsed < Fast, $"took {clock.Elapsed}");

        var stats = cache.GetStats();
        Assert.False(stats.RedisAvailable);
        Assert.True(stats.RedisConfigured);
        Assert.Equal(1, stats.MemoryHits);
        Assert.Equal(HealthStatus.Degraded, (await new RedisCacheHealthCheck(cache).CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task While_redis_is_unreachable_memory_entries_live_at_most_the_outage_ttl()
    {
        // Other nodes' invalidations cannot reach us during an outage, so what we cache then must not live long.
        var clock = RedisFixture.NewClock();
        var deadPort = CraftFlow.AppHost.Resources.FreePort.Next();
        await using var cache = new CraftFlowCache(new CachingOptions { OutageMemoryTtl = TimeSpan.FromSeconds(30) }, $"127.0.0.1:{deadPort}", clock);
        var key = UniqueKey("outage-ttl");
        var factory = new CountingFactory("o");
        var options = CacheEntryOptions.For(TimeSpan.FromMinutes(10));

        await cache.GetOrCreateAsync(key, factory.CreateAsync, options); // trips the circuit: written before it knew
        await Eventually.UntilAsync(() => Task.FromResult(cache.GetStats()), s => !s.RedisAvailable, Wait, "the circuit to open");
        await cache.SetAsync(key, "o-set", options);

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("o-set", await cache.GetOrCreateAsync(key, factory.CreateAsync, options));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("o-2", await cache.GetOrCreateAsync(key, factory.CreateAsync, options));
    }
}
