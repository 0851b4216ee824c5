extern alias AppHost;
using AppHost::CraftFlow.AppHost.Resources;
using BenchmarkDotNet.Attributes;
using CraftFlow.Caching;

namespace CraftFlow.Benchmarks;

/// <summary>
/// The three paths of <see cref="CraftFlowCache.GetOrCreateAsync{T}"/> against a local redis-server:
/// a memory-tier hit, a Redis-tier hit (memory tier too small to hold the key), and a miss (Redis GET,
/// factory, memory write, Redis SET).
/// </summary>
[MemoryDiagnoser]
public class CacheBenchmarks
{
    private static readonly CacheEntryOptions Entry = CacheEntryOptions.For(TimeSpan.FromMinutes(5), "user:bench");
    private static readonly Func<CancellationToken, ValueTask<Design>> Factory = _ => ValueTask.FromResult(Design.Sample);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "craftflow-bench-redis", Guid.NewGuid().ToString("N"));
    private RedisServer _redis = null!;
    private CraftFlowCache _cache = null!;
    private CraftFlowCache _oneItemCache = null!;
    private CraftFlowCache _memoryOnly = null!;
    private long _missCounter;
    private bool _flip;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await RedisServer.StartAsync(_directory, persistent: false);
        _cache = new CraftFlowCache(new CachingOptions(), _redis.ConnectionString);

        // One memory slot and two keys read in turn: every read misses memory and hits Redis.
        _oneItemCache = new CraftFlowCache(new CachingOptions { MaxMemoryItems = 1 }, _redis.ConnectionString);
        _memoryOnly = new CraftFlowCache(new CachingOptions());
        await _cache.SetAsync("design:hot", Design.Sample, Entry);
        await _cache.SetAsync("design:l2-a", Design.Sample, Entry);
        await _cache.SetAsync("design:l2-b", Design.Sample, Entry);
        await _memoryOnly.SetAsync("design:hot", Design.Sample, Entry);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _cache.DisposeAsync();
        await _oneItemCache.DisposeAsync();
        await _memoryOnly.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "L1 hit (memory)")]
    public ValueTask<Design> MemoryHit() => _cache.GetOrCreateAsync("design:hot", Factory, Entry);

    [Benchmark(Description = "L2 hit (Redis GET + JSON)")]
    public ValueTask<Design> RedisHit()
    {
        _flip = !_flip;
        return _oneItemCache.GetOrCreateAsync(_flip ? "design:l2-a" : "design:l2-b", Factory, Entry);
    }

    [Benchmark(Description = "Miss (GET, factory, SET)")]
    public ValueTask<Design> Miss()
        => _cache.GetOrCreateAsync("design:miss:" + Interlocked.Increment(ref _missCounter), Factory, Entry);

    [Benchmark(Description = "Miss, memory only")]
    public ValueTask<Design> MemoryOnlyMiss()
        => _memoryOnly.GetOrCreateAsync("design:miss:" + Interlocked.Increment(ref _missCounter), Factory, Entry);

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
