using System.Diagnostics.Metrics;
using System.Text.Json;
using CraftFlow.Caching.Memory;
using CraftFlow.Caching.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftFlow.Caching;

/// <summary>
/// The two-tier cache (see <see cref="ITwoTierCache"/>). Memory first, then Redis, then the factory.
/// <para>
/// Tags are versioned: each tag has a counter (<c>craftflow:tag:{tag}</c> in Redis, mirrored in memory and
/// kept current by pub/sub); an entry remembers its tags' versions when written and is a miss once any of
/// them has moved on. Invalidating a tag is one INCR and one PUBLISH however many entries carry it.
/// </para>
/// <para>
/// When Redis fails the circuit opens: memory only, memory lifetimes capped at
/// <see cref="CachingOptions.OutageMemoryTtl"/>, changes remembered and replayed when Redis answers again,
/// after which the memory tier is cleared because other processes' invalidations may have been missed.
/// </para>
/// </summary>
public sealed partial class CraftFlowCache : ITwoTierCache, IAsyncDisposable, IDisposable
{
    // Distinct tags remembered before the mirror (and, with it, the memory tier) is reset.
    private const int TagMirrorItemsPerMemoryItem = 10;

    private readonly CachingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JsonSerializerOptions _json;
    private readonly LruMemoryTier _memory;
    private readonly TagVersionMirror _tags;
    private readonly KeyedLocks _locks = new();
    private readonly RedisTier? _redis;
    private readonly Listener _listener;
    private readonly Meter _meter;
    private long _memoryHits;
    private long _redisHits;
    private long _misses;
    private long _errors;
    private long _staleServed;

    /// <param name="redisConnectionString">FreeRedis format (<c>host:port,password=…,defaultDatabase=N</c>); null or empty for memory only.</param>
    /// <param name="meterFactory">DI's factory, so the instruments go away with the container; a plain Meter without it.</param>
    public CraftFlowCache(CachingOptions options, string? redisConnectionString = null, TimeProvider? timeProvider = null, ILogger<CraftFlowCache>? logger = null, JsonSerializerOptions? jsonOptions = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _json = jsonOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _memory = new LruMemoryTier(options.MaxMemoryItems, _time);
        _tags = new TagVersionMirror(Math.Max(1_000, options.MaxMemoryItems * TagMirrorItemsPerMemoryItem));
        _listener = new Listener(this);
        _meter = CacheMetrics.Create(meterFactory, GetStats);
        if (options.Enabled && !string.IsNullOrWhiteSpace(redisConnectionString))
        {
            _redis = new RedisTier(redisConnectionString, options, _time, _logger);
            _redis.Start(_listener);
        }
    }

    public async ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_options.Enabled)
        {
            return await factory(cancellationToken).ConfigureAwait(false);
        }

        var found = await LookupCountedMemoryAsync<T>(key, cancellationToken).ConfigureAwait(false);
        if (found.Found)
        {
            return found.Value!;
        }

        // Redis is read under the key's lock too: a burst of misses costs one GET, not one per caller.
        using (await _locks.AcquireAsync(key, cancellationToken).ConfigureAwait(false))
        {
            // Whoever held the lock before us has probably just filled the memory tier.
            found = await LookupCountedMemoryAsync<T>(key, cancellationToken).ConfigureAwait(false);
            if (found.Found)
            {
                return found.Value!;
            }

            found = await LookupRedisAsync<T>(key, cancellationToken).ConfigureAwait(false);
            if (found.Found)
            {
                return found.Value!;
            }

            Interlocked.Increment(ref _misses);
            LogMiss(key);

            // Versions read before the factory runs: an invalidation during the factory makes this result stale at once.
            var tags = await CurrentTagVersionsAsync(options?.Tags ?? [], cancellationToken).ConfigureAwait(false);
            T value;
            try
            {
                value = await factory(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                var stale = await LookupStaleAsync<T>(key, cancellationToken).ConfigureAwait(false);
                if (!stale.Found)
                {
                    throw;
                }

                Interlocked.Increment(ref _staleServed);
                LogServedStale(_logger, key, exception.GetType().Name, exception.Message);
                return stale.Value!;
            }

            await StoreAsync(key, value, options, tags, cancellationToken).ConfigureAwait(false);
            return value;
        }
    }

    public async ValueTask<CacheLookup<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_options.Enabled)
        {
            return CacheLookup<T>.Miss;
        }

        var found = await LookupAsync<T>(key, cancellationToken).ConfigureAwait(false);
        if (!found.Found)
        {
            Interlocked.Increment(ref _misses);
            LogMiss(key);
        }

        return found;
    }

    public async ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_options.Enabled)
        {
            return;
        }

        var tags = await CurrentTagVersionsAsync(options?.Tags ?? [], cancellationToken).ConfigureAwait(false);
        await StoreAsync(key, value, options, tags, cancellationToken).ConfigureAwait(false);
        if (_redis is null)
        {
            return;
        }

        if (_redis.IsAvailable)
        {
            await _redis.PublishKeyChangedAsync(key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Redis may still hold the previous value: it must not come back when Redis does.
            _redis.RememberStaleKey(key);
        }
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_options.Enabled)
        {
            return;
        }

        _memory.Remove(key);
        if (_redis is not null)
        {
            await _redis.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        LogRemoved(key);
    }

    public async ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        if (!_options.Enabled)
        {
            return;
        }

        if (_redis is null)
        {
            IncrementLocalTagVersion(tag);
            LogTagInvalidated(tag, -1);
            return;
        }

        var (ok, version) = await _redis.BumpTagAsync(tag, cancellationToken).ConfigureAwait(false);
        if (ok)
        {
            RaiseTagVersion(tag, version);
            LogTagInvalidated(tag, version);
            return;
        }

        // No Redis to hand out the next version: drop what we hold (O(n) on a bounded tier, outages only).
        // The tier remembered the tag and bumps it in Redis when it returns.
        IncrementLocalTagVersion(tag);
        _memory.RemoveTagged(tag);
        LogTagInvalidated(tag, -1);
    }

    public CacheStats GetStats()
    {
        var memoryHits = Interlocked.Read(ref _memoryHits);
        var redisHits = Interlocked.Read(ref _redisHits);
        var misses = Interlocked.Read(ref _misses);
        var hits = memoryHits + redisHits;
        var reads = hits + misses;
        return new CacheStats
        {
            Hits = hits,
            Misses = misses,
            HitRatePercent = reads == 0 ? 0 : Math.Round(100.0 * hits / reads, 2),
            MemoryHits = memoryHits,
            RedisHits = redisHits,
            StaleServed = Interlocked.Read(ref _staleServed),
            Errors = Interlocked.Read(ref _errors) + (_redis?.Errors ?? 0),
            Evictions = _memory.Evictions,
            MemoryItems = _memory.Count,
            MaxMemoryItems = _options.MaxMemoryItems,
            Enabled = _options.Enabled,
            RedisConfigured = _redis is not null,
            RedisAvailable = _redis?.IsAvailable ?? false,
            BackplaneConnected = _redis?.BackplaneConnected ?? false,
        };
    }

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

        return await _redis.PingAsync(cancellationToken).ConfigureAwait(false)
            ? new CacheHealth(CacheHealth.Healthy, CacheHealth.Healthy, CacheHealth.Healthy, now, "Redis and memory tiers serving.")
            : new CacheHealth(CacheHealth.Degraded, CacheHealth.Healthy, CacheHealth.Degraded, now, "Redis unreachable: serving from the memory tier.");
    }

    public async ValueTask DisposeAsync()
    {
        _meter.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask<CacheLookup<T>> LookupAsync<T>(string key, CancellationToken cancellationToken)
    {
        var inMemory = await LookupCountedMemoryAsync<T>(key, cancellationToken).ConfigureAwait(false);
        return inMemory.Found ? inMemory : await LookupRedisAsync<T>(key, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CacheLookup<T>> LookupCountedMemoryAsync<T>(string key, CancellationToken cancellationToken)
    {
        var inMemory = await LookupMemoryAsync<T>(key, cancellationToken).ConfigureAwait(false);
        if (inMemory.Found)
        {
            Interlocked.Increment(ref _memoryHits);
            LogHit(key, "memory");
        }

        return inMemory;
    }

    private async ValueTask<CacheLookup<T>> LookupRedisAsync<T>(string key, CancellationToken cancellationToken)
    {
        if (_redis is not { IsAvailable: true })
        {
            return CacheLookup<T>.Miss;
        }

        var (ok, json) = await _redis.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (!ok || json is null)
        {
            return CacheLookup<T>.Miss;
        }

        CacheEnvelope<T>? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<CacheEnvelope<T>>(json, _json);
        }
        catch (JsonException exception)
        {
            // Another type under the same key, or an older format: a miss, and the factory overwrites it.
            Interlocked.Increment(ref _errors);
            LogUnreadable(key, exception.Message);
            return CacheLookup<T>.Miss;
        }

        if (envelope is null || envelope.ExpiresAt <= _time.GetUtcNow())
        {
            return CacheLookup<T>.Miss;
        }

        var tags = TagVersions.From(envelope.Tags);
        if (!await IsCurrentAsync(tags, cancellationToken).ConfigureAwait(false))
        {
            return CacheLookup<T>.Miss;
        }

        _memory.Set(key, new MemoryEntry(envelope.Value, envelope.ExpiresAt, tags) { RetainUntil = envelope.ExpiresAt + _options.FailSafeMaxDuration });
        Interlocked.Increment(ref _redisHits);
        LogHit(key, "redis");
        return new CacheLookup<T>(true, envelope.Value);
    }

    private async ValueTask<CacheLookup<T>> LookupMemoryAsync<T>(string key, CancellationToken cancellationToken)
    {
        var entry = _memory.Get(key);
        if (entry is null)
        {
            return CacheLookup<T>.Miss;
        }

        if (!entry.TagVersions.IsEmpty && !await IsCurrentAsync(entry.TagVersions, cancellationToken).ConfigureAwait(false))
        {
            _memory.Remove(key);
            return CacheLookup<T>.Miss;
        }

        return entry.Value switch
        {
            T value => new CacheLookup<T>(true, value),
            null when default(T) is null => new CacheLookup<T>(true, default),
            _ => CacheLookup<T>.Miss,
        };
    }

    // Fail-safe: an expired (never an invalidated) memory entry, served again for FailSafeThrottle so a
    // failing database is not hit by every request.
    private async ValueTask<CacheLookup<T>> LookupStaleAsync<T>(string key, CancellationToken cancellationToken)
    {
        var entry = _memory.Get(key, includeStale: true);
        if (entry is null || (!entry.TagVersions.IsEmpty && !await IsCurrentAsync(entry.TagVersions, cancellationToken).ConfigureAwait(false)))
        {
            return CacheLookup<T>.Miss;
        }

        var lookup = entry.Value switch
        {
            T value => new CacheLookup<T>(true, value),
            null when default(T) is null => new CacheLookup<T>(true, default),
            _ => CacheLookup<T>.Miss,
        };
        if (lookup.Found)
        {
            var throttledUntil = _time.GetUtcNow() + _options.FailSafeThrottle;
            _memory.Set(key, entry with { ExpiresAt = Min(throttledUntil, entry.RetainUntil) });
        }

        return lookup;
    }

    private async ValueTask StoreAsync<T>(string key, T value, CacheEntryOptions? options, TagVersions tags, CancellationToken cancellationToken)
    {
        var ttl = options?.Ttl ?? _options.DefaultTtl;
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), ttl, "A cache entry's TTL must be positive.");
        }

        var now = _time.GetUtcNow();
        var expiresAt = now + ttl;
        var redisUp = _redis is { IsAvailable: true };
        var memoryExpiresAt = _redis is null || redisUp ? expiresAt : now + Min(ttl, _options.OutageMemoryTtl);
        _memory.Set(key, new MemoryEntry(value, memoryExpiresAt, tags) { RetainUntil = memoryExpiresAt + _options.FailSafeMaxDuration });
        if (redisUp)
        {
            var json = JsonSerializer.Serialize(new CacheEnvelope<T>(value, expiresAt, tags.ToDictionary()), _json);
            await _redis!.SetAsync(key, json, ttl, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<TagVersions> CurrentTagVersionsAsync(IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 0)
        {
            return TagVersions.None;
        }

        var versions = new KeyValuePair<string, long>[tags.Count];
        List<int>? unknown = null;
        for (var i = 0; i < tags.Count; i++)
        {
            ArgumentException.ThrowIfNullOrEmpty(tags[i], nameof(tags));
            if (_tags.TryGet(tags[i], out var version))
            {
                versions[i] = new(tags[i], version);
            }
            else
            {
                versions[i] = new(tags[i], 0);
                (unknown ??= []).Add(i);
            }
        }

        if (unknown is not null && _redis is { IsAvailable: true })
        {
            var names = unknown.ConvertAll(i => tags[i]).ToArray();
            var (ok, fetched) = await _redis.GetTagVersionsAsync(names, cancellationToken).ConfigureAwait(false);
            if (ok)
            {
                for (var j = 0; j < names.Length; j++)
                {
                    RaiseTagVersion(names[j], fetched[j]);
                    _tags.TryGet(names[j], out var current);
                    versions[unknown[j]] = new(names[j], Math.Max(current, fetched[j]));
                }
            }
        }

        return new TagVersions(versions);
    }

    private async ValueTask<bool> IsCurrentAsync(TagVersions stored, CancellationToken cancellationToken)
    {
        if (stored.IsEmpty)
        {
            return true;
        }

        var allKnown = true;
        foreach (var (tag, version) in stored.Items)
        {
            if (!_tags.TryGet(tag, out var current))
            {
                allKnown = false;
            }
            else if (current > version)
            {
                return false;
            }
        }

        if (allKnown)
        {
            return true;
        }

        var names = new string[stored.Items.Length];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = stored.Items[i].Key;
        }

        var currentVersions = await CurrentTagVersionsAsync(names, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < names.Length; i++)
        {
            if (currentVersions.Items[i].Value > stored.Items[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    private void RaiseTagVersion(string tag, long version)
    {
        if (!_tags.Raise(tag, version))
        {
            ResetTagMirror();
            _tags.Raise(tag, version);
        }
    }

    private void IncrementLocalTagVersion(string tag)
    {
        if (!_tags.TryIncrement(tag))
        {
            ResetTagMirror();
            _tags.TryIncrement(tag);
        }
    }

    private void ResetTagMirror()
    {
        // Too many distinct tags: forget them all. Entries cannot be checked without their tags'
        // versions, so the memory tier goes too (Redis, when there is one, still has the values).
        var count = _tags.Count;
        _tags.Clear();
        _memory.Clear();
        LogTagMirrorReset(count);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private void LogHit(string key, string tier)
    {
        if (_options.DebugLogging)
        {
            LogHitCore(_logger, key, tier);
        }
    }

    private void LogMiss(string key)
    {
        if (_options.DebugLogging)
        {
            LogMissCore(_logger, key);
        }
    }

    private void LogRemoved(string key)
    {
        if (_options.DebugLogging)
        {
            LogRemovedCore(_logger, key);
        }
    }

    private void LogTagInvalidated(string tag, long version)
    {
        if (_options.DebugLogging)
        {
            LogTagInvalidatedCore(_logger, tag, version);
        }
    }

    private void LogUnreadable(string key, string error) => LogUnreadableCore(_logger, key, error);

    private void LogTagMirrorReset(int count) => LogTagMirrorResetCore(_logger, count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache hit {Key} ({Tier})")]
    private static partial void LogHitCore(ILogger logger, string key, string tier);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache miss {Key}")]
    private static partial void LogMissCore(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache remove {Key}")]
    private static partial void LogRemovedCore(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cache tag {Tag} invalidated (version {Version}; -1 = local only)")]
    private static partial void LogTagInvalidatedCore(ILogger logger, string tag, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Factory for {Key} failed ({ErrorType}: {ErrorMessage}); serving the expired value (fail-safe)")]
    private static partial void LogServedStale(ILogger logger, string key, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cached value of {Key} could not be read ({Error}); treated as a miss")]
    private static partial void LogUnreadableCore(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tag version mirror full ({Count} tags); cleared it and the memory tier")]
    private static partial void LogTagMirrorResetCore(ILogger logger, int count);

    /// <summary>Applies other processes' changes to this one's memory tier.</summary>
    private sealed class Listener(CraftFlowCache cache) : IInvalidationListener
    {
        public void OnTagVersion(string tag, long version) => cache.RaiseTagVersion(tag, version);

        public void OnKeyChanged(string key) => cache._memory.Remove(key);

        public void OnNotificationsLost()
        {
            cache._tags.Clear();
            cache._memory.Clear();
        }
    }
}
