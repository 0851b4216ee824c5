extern alias AppHost;
using AppHost::CraftFlow.AppHost.Resources;
using BenchmarkDotNet.Attributes;
using CraftFlow.Caching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Benchmarks;

/// <summary>
/// The paths of a GetOrSet on the cache as <c>AddCraftFlowCaching</c> registers it, against a local redis-server:
/// a memory-tier hit, a Redis hit (memory tier too small to hold the key), a miss (Redis read, factory, memory
/// write, background Redis write), a miss with no Redis, and a tagged memory hit (one tag checked per read).
/// </summary>
[MemoryDiagnoser]
public class CacheBenchmarks
{
    private static readonly string[] Tags = ["user:bench"];
    private static readonly Func<FusionCacheFactoryExecutionContext<Design>, CancellationToken, Task<Design>> Factory = (_, _) => Task.FromResult(Design.Sample);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "craftflow-bench-redis", Guid.NewGuid().ToString("N"));
    private readonly List<IHost> _hosts = [];
    private RedisServer _redis = null!;
    private IFusionCache _cache = null!;
    private IFusionCache _oneItemCache = null!;
    private IFusionCache _memoryOnly = null!;
    private FusionCacheEntryOptions _entry = null!;
    private long _missCounter;
    private bool _flip;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await RedisServer.StartAsync(_directory, persistent: false);
        _cache = await StartAsync(new() { ["ConnectionStrings:cache"] = _redis.ConnectionString });

        // One memory slot (FusionCache's own markers take it) and two keys read in turn: every read goes to Redis.
        _oneItemCache = await StartAsync(new() { ["ConnectionStrings:cache"] = _redis.ConnectionString, ["CACHE_MAX_MEMORY_ITEMS"] = "1" });
        _memoryOnly = await StartAsync([]);
        _entry = _hosts[0].Services.GetRequiredService<CacheEntries>().For(TimeSpan.FromMinutes(5));
        await _cache.SetAsync("design:hot", Design.Sample, _entry);
        await _cache.SetAsync("design:hot-tagged", Design.Sample, _entry, Tags);
        await _cache.SetAsync("design:l2-a", Design.Sample, _entry);
        await _cache.SetAsync("design:l2-b", Design.Sample, _entry);
        await _memoryOnly.SetAsync("design:hot", Design.Sample, _entry);
        await _cache.GetOrSetAsync<Design>("design:hot-tagged", Factory, options: _entry, tags: Tags);

        // The Redis writes above happen in the background: wait for them before measuring Redis hits.
        while (!(await _oneItemCache.TryGetAsync<Design>("design:l2-a")).HasValue || !(await _oneItemCache.TryGetAsync<Design>("design:l2-b")).HasValue)
        {
            await Task.Delay(10);
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await _redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "L1 hit (memory)")]
    public ValueTask<Design> MemoryHit() => _cache.GetOrSetAsync<Design>("design:hot", Factory, options: _entry);

    [Benchmark(Description = "L1 hit, one tag")]
    public ValueTask<Design> TaggedMemoryHit() => _cache.GetOrSetAsync<Design>("design:hot-tagged", Factory, options: _entry, tags: Tags);

    [Benchmark(Description = "L2 hit (Redis GET + JSON)")]
    public ValueTask<Design> RedisHit()
    {
        _flip = !_flip;
        return _oneItemCache.GetOrSetAsync<Design>(_flip ? "design:l2-a" : "design:l2-b", Factory, options: _entry);
    }

    [Benchmark(Description = "Miss (GET, factory, SET in background)")]
    public ValueTask<Design> Miss()
        => _cache.GetOrSetAsync<Design>("design:miss:" + Interlocked.Increment(ref _missCounter), Factory, options: _entry);

    [Benchmark(Description = "Miss, memory only")]
    public ValueTask<Design> MemoryOnlyMiss()
        => _memoryOnly.GetOrSetAsync<Design>("design:miss:" + Interlocked.Increment(ref _missCounter), Factory, options: _entry);

    private async Task<IFusionCache> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPlatformSettings();
        builder.AddCraftFlowCaching();
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host.Services.GetRequiredService<IFusionCache>();
    }

    /// <summary>A value the size of a typical design row in the gallery.</summary>
    public sealed record Design(Guid Id, Guid UserId, string Title, string Status, long PHash, DateTimeOffset CreatedAt, string[] Tags)
    {
        public static readonly Design Sample = new(
            Guid.CreateVersion7(),
            Guid.CreateVersion7(),
            "Retro sunset mountains, distressed",
            "ready",
            unchecked((long)0xF0E1D2C3B4A59687),
            new DateTimeOffset(2026, 11, 23, 21, 0, 0, TimeSpan.Zero),
            ["retro", "sunset", "mountains"]);
    }
}
