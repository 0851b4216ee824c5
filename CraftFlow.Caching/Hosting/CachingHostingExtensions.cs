using System.Text.Json;
using CraftFlow.Caching;
using CraftFlow.Caching.Health;
using CraftFlow.Caching.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Microsoft.Extensions.Hosting;

public static class CachingHostingExtensions
{
    /// <summary>Aspire's connection name for Redis (Railway's REDIS_URL is mapped onto it by AddServiceDefaults).</summary>
    public const string ConnectionName = "cache";

    /// <summary>Service key of the memory tier's <see cref="MemoryCache"/>, CraftFlow's own so its size bound is ours.</summary>
    public const string MemoryTierKey = "craftflow-cache-memory";

    /// <summary>Tags of the "redis" health check: part of readiness (<c>/health</c>), never of liveness.</summary>
    public static readonly string[] HealthCheckTags = ["ready", "cache"];

    // FusionCache's backplane channel is "{prefix}.Backplane…": CraftFlow's own, like its keys.
    private const string BackplaneChannelPrefix = "craftflow";

    // With a stale value at hand, a request waits at most this long for Redis before answering with it.
    private static readonly TimeSpan StaleAtHandRedisTimeout = TimeSpan.FromMilliseconds(50);

    // A value tuple's items are fields, which System.Text.Json skips by default: a cached tuple would come back
    // empty from Redis (FusionCache's advisor warns about it at start-up).
    private static readonly JsonSerializerOptions SerializerOptions = new() { IncludeFields = true };

    // A node that could not read a tag's invalidation from Redis (it was down) reads it again after this long.
    private static readonly TimeSpan TagMemoryLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers FusionCache (memory tier bounded by CACHE_MAX_MEMORY_ITEMS; with <c>ConnectionStrings:cache</c> also
    /// Redis through <c>AddRedisClient</c> and the Redis backplane), <see cref="CacheEntries"/>, <see cref="CacheInvalidation"/>,
    /// <see cref="CacheMonitor"/>, the output-cache store, the "redis" health check and the periodic cache health log.
    /// ENABLE_CACHING=false registers FusionCache's pass-through implementation and no Redis client.
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowCaching(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(CacheMonitor)))
        {
            // Called twice (a library and the app both asking for caching): the first registration stands.
            return builder;
        }

        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Read now as well, because it decides what is registered.
        var configuration = builder.Configuration;
        var enabled = configuration.GetSection(CachingOptions.SectionName).Get<CachingOptions>()?.Enabled ?? true;
        var useRedis = enabled && !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionName));

        services.TryAddSingleton(TimeProvider.System);
        services.AddKeyedSingleton(MemoryTierKey, (sp, _) => CreateMemoryTier(sp.GetRequiredService<IOptions<CachingOptions>>().Value));
        services.AddOptions<FusionCacheOptions>().Configure<IOptions<CachingOptions>>((fusion, ours) => Configure(fusion, ours.Value));

        var fusion = services.AddFusionCache()
            .WithMemoryCache(sp => sp.GetRequiredKeyedService<MemoryCache>(MemoryTierKey))
            .WithSerializer(new FusionCacheSystemTextJsonSerializer(SerializerOptions));
        if (!enabled)
        {
            fusion.WithNullImplementation();
        }

        if (useRedis)
        {
            // The service defaults or another library may have registered the client already: one multiplexer.
            if (!services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer) && !d.IsKeyedService))
            {
                builder.AddRedisClient(ConnectionName, settings => settings.DisableHealthChecks = true, redis => redis.Defaults = new CacheRedisDefaults());
            }

            fusion
                .WithDistributedCache(sp => new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()) }))
                .WithBackplane(sp => new RedisBackplane(new RedisBackplaneOptions { ConnectionMultiplexerFactory = () => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()) }));
        }

        services.AddSingleton<CacheEntries>();
        services.AddSingleton<CacheInvalidation>();
        services.AddSingleton(sp => new CacheMonitor(
            sp.GetRequiredService<IFusionCache>(),
            sp.GetRequiredService<IOptions<CachingOptions>>(),
            sp.GetRequiredKeyedService<MemoryCache>(MemoryTierKey),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CacheMonitor>>(),
            useRedis ? sp.GetRequiredService<IConnectionMultiplexer>() : null,
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<CacheMonitor>());
        services.AddHostedService<CacheHealthReporter>();
        services.AddHealthChecks().AddCheck<CacheHealthCheck>(CacheHealthCheck.Name, tags: HealthCheckTags);

        // Replace, not TryAdd: AddOutputCache registers an in-memory store, before or after us.
        services.RemoveAll<IOutputCacheStore>();
        services.AddSingleton<IOutputCacheStore, FusionOutputCacheStore>();
        return builder;
    }

    private static MemoryCache CreateMemoryTier(CachingOptions options) => new(new MemoryCacheOptions
    {
        SizeLimit = options.MaxMemoryItems,

        // A full MemoryCache refuses new entries and compacts this share of its size in the background; below
        // 20 items the default 5 % rounds down to nothing and the tier would stay full for good.
        CompactionPercentage = Math.Clamp(1.0 / options.MaxMemoryItems, 0.05, 1.0),
    });

    private static void Configure(FusionCacheOptions fusion, CachingOptions ours)
    {
        fusion.CacheKeyPrefix = CacheKeys.Prefix;
        fusion.BackplaneChannelPrefix = BackplaneChannelPrefix;

        // An invalidated entry is wrong, not just old: never served by fail-safe.
        fusion.RemoveByTagBehavior = RemoveByTagBehavior.Remove;

        // CacheMonitor's handlers only increment counters: run them inline rather than on the thread pool per event.
        fusion.EnableSyncEventHandlersExecution = true;
        fusion.AutoRecoveryDelay = ours.AutoRecoveryDelay;
        fusion.DefaultEntryOptions = new FusionCacheEntryOptions
        {
            Duration = ours.DefaultTtl,
            IsFailSafeEnabled = ours.FailSafeWindow > TimeSpan.Zero,
            FailSafeMaxDuration = ours.DefaultTtl + ours.FailSafeWindow,
            FailSafeThrottleDuration = ours.FailSafeThrottle,
            Size = 1,
            DistributedCacheSoftTimeout = StaleAtHandRedisTimeout < ours.RedisTimeout ? StaleAtHandRedisTimeout : ours.RedisTimeout,
            DistributedCacheHardTimeout = ours.RedisTimeout,

            // Writes and removals reach this node's memory at once and Redis (then the backplane) right after, without
            // holding the request: FusionCache bounds Redis reads by the timeouts above, but not writes.
            AllowBackgroundDistributedCacheOperations = true,

            // Another type under a key (an older release's entry) is a miss, not an exception.
            ReThrowSerializationExceptions = false,
        };

        // Tag invalidations count towards the bound too, and go after plain entries when the tier is compacted.
        var tags = fusion.TagsDefaultEntryOptions;
        tags.Size = 1;
        tags.Priority = CacheItemPriority.High;
        tags.MemoryCacheDuration = TagMemoryLifetime;
        tags.DistributedCacheSoftTimeout = fusion.DefaultEntryOptions.DistributedCacheSoftTimeout;
        tags.DistributedCacheHardTimeout = ours.RedisTimeout;
        tags.AllowBackgroundDistributedCacheOperations = true;
    }

    /// <summary>
    /// Connection defaults for a cache (an explicit value in the connection string still wins): keep retrying when
    /// Redis is down at start, fail a command at once while disconnected instead of queueing it, give up an initial
    /// connection after 2 s rather than 5 s twice, and a command after 1 s rather than 5 s. FusionCache stops waiting
    /// for reads after <see cref="CachingOptions.RedisTimeout"/>, but some of its own writes and removals it awaits
    /// until SE.Redis gives up.
    /// </summary>
    private sealed class CacheRedisDefaults : DefaultOptionsProvider
    {
        public override bool AbortOnConnectFail => false;

        public override BacklogPolicy BacklogPolicy => BacklogPolicy.FailFast;

        public override TimeSpan? ConnectTimeout => TimeSpan.FromSeconds(2);

        public override TimeSpan SyncTimeout => TimeSpan.FromSeconds(1);
    }
}
