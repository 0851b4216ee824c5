using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

namespace CraftFlow.Caching;

/// <summary>
/// What the cache routes, <c>/health</c> and the metrics report: counters fed by FusionCache's events, the memory
/// tier's size, and whether Redis answers. SE.Redis reconnects by itself but keeps a hung server's socket "connected",
/// so Redis is also pinged every <see cref="CachingOptions.RedisProbeInterval"/>; <see cref="CacheStats.RedisAvailable"/>
/// is the latest answer.
/// </summary>
public sealed partial class CacheMonitor : BackgroundService
{
    private readonly CachingOptions _options;
    private readonly MemoryCache _memory;
    private readonly IConnectionMultiplexer? _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<CacheMonitor> _logger;
    private readonly string _internalKeyMarker;
    private readonly Meter _meter;
    private long _hits;
    private long _misses;
    private long _redisHits;
    private long _staleServed;
    private long _errors;
    private long _evictions;
    private volatile bool _redisAnswers;

    public CacheMonitor(
        IFusionCache cache,
        IOptions<CachingOptions> options,
        MemoryCache memory,
        TimeProvider time,
        ILogger<CacheMonitor> logger,
        IConnectionMultiplexer? redis = null,
        IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        _memory = memory;
        _redis = redis;
        _time = time;
        _logger = logger;
        _redisAnswers = redis?.IsConnected ?? false;

        // FusionCache stores tag invalidations as entries of its own ("__fc:t:…"); they are not CraftFlow's reads.
        _internalKeyMarker = FusionCacheInternalStrings.DefaultTagCacheKeyPrefix;
        cache.Events.Hit += (_, e) => Count(e, ref _hits);
        cache.Events.Miss += (_, e) => Count(e, ref _misses);
        cache.Events.FailSafeActivate += (_, e) => Count(e, ref _staleServed);
        cache.Events.Distributed.Hit += (_, e) =>
        {
            if (!e.IsStale)
            {
                Count(e, ref _redisHits);
            }
        };
        cache.Events.Distributed.DeserializationError += (_, e) => Count(e, ref _errors);
        cache.Events.Distributed.SerializationError += (_, e) => Count(e, ref _errors);
        cache.Events.Memory.Eviction += (_, e) =>
        {
            if (e.Reason == EvictionReason.Capacity)
            {
                Interlocked.Increment(ref _evictions);
            }
        };
        if (redis is not null)
        {
            redis.ConnectionFailed += (_, _) => Interlocked.Increment(ref _errors);
        }

        _meter = CacheMetrics.Create(meterFactory, GetStats);
    }

    /// <summary>ENABLE_CACHING.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>The cache has a Redis tier, and so a backplane: other processes hear of its invalidations.</summary>
    public bool RedisConfigured => _redis is not null;

    public CacheStats GetStats()
    {
        // A fail-safe answer is a hit event in FusionCache, but its factory ran: CraftFlow counts it as a miss.
        var staleServed = Interlocked.Read(ref _staleServed);
        var hits = Math.Max(0, Interlocked.Read(ref _hits) - staleServed);
        var misses = Interlocked.Read(ref _misses) + staleServed;
        var redisHits = Math.Min(hits, Interlocked.Read(ref _redisHits));
        var reads = hits + misses;
        return new CacheStats
        {
            Hits = hits,
            Misses = misses,
            HitRatePercent = reads == 0 ? 0 : Math.Round(100.0 * hits / reads, 2),
            MemoryHits = hits - redisHits,
            RedisHits = redisHits,
            StaleServed = staleServed,
            Errors = Interlocked.Read(ref _errors),
            Evictions = Interlocked.Read(ref _evictions),
            MemoryItems = _options.Enabled ? _memory.Count : 0,
            MaxMemoryItems = _options.MaxMemoryItems,
            Enabled = _options.Enabled,
            RedisConfigured = _redis is not null,
            RedisAvailable = _redis is { IsConnected: true } && _redisAnswers,
        };
    }

    /// <summary>A live check of both tiers: PINGs Redis (at most <see cref="CachingOptions.RedisTimeout"/>) when there is one.</summary>
    public async Task<CacheHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (!_options.Enabled)
        {
            return new CacheHealth(CacheHealth.Disabled, CacheHealth.Disabled, CacheHealth.Healthy, now, "Caching is off (ENABLE_CACHING=false).");
        }

        if (_redis is null)
        {
            return new CacheHealth(CacheHealth.NotConfigured, CacheHealth.Healthy, CacheHealth.Healthy, now, "No Redis configured: memory cache only.");
        }

        return await PingAsync(cancellationToken).ConfigureAwait(false)
            ? new CacheHealth(CacheHealth.Healthy, CacheHealth.Healthy, CacheHealth.Healthy, now, "Redis and memory tiers serving.")
            : new CacheHealth(CacheHealth.Degraded, CacheHealth.Healthy, CacheHealth.Degraded, now, "Redis unreachable: serving from the memory tier.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_redis is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.RedisProbeInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PingAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        bool answered;
        string? error = null;
        try
        {
            await _redis!.GetDatabase().PingAsync().WaitAsync(_options.RedisTimeout, _time, cancellationToken).ConfigureAwait(false);
            answered = true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            answered = false;
            error = exception.Message;
            Interlocked.Increment(ref _errors);
        }

        var before = _redisAnswers;
        _redisAnswers = answered;
        if (before && !answered)
        {
            LogRedisLost(_logger, error);
        }
        else if (!before && answered)
        {
            LogRedisBack(_logger);
        }

        return answered;
    }

    private void Count(FusionCacheEntryEventArgs e, ref long counter)
    {
        if (!e.Key.Contains(_internalKeyMarker, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref counter);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis stopped answering ({Error}); the cache serves from memory until it is back")]
    private static partial void LogRedisLost(ILogger logger, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again")]
    private static partial void LogRedisBack(ILogger logger);
}
