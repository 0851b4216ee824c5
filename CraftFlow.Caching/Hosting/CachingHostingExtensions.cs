using System.Diagnostics.Metrics;
using CraftFlow.Caching;
using CraftFlow.Caching.Configuration;
using CraftFlow.Caching.Health;
using CraftFlow.Caching.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class CachingHostingExtensions
{
    /// <summary>Aspire's connection name for Redis (Railway's REDIS_URL is mapped onto it by AddServiceDefaults).</summary>
    public const string ConnectionName = "cache";

    /// <summary>Tags of the "redis" health check: part of readiness (<c>/health</c>), never of liveness.</summary>
    public static readonly string[] HealthCheckTags = ["ready", "cache"];

    /// <summary>
    /// Registers the two-tier cache (<see cref="ITwoTierCache"/>, <see cref="CraftFlowCache"/>), the output-cache
    /// store, the "redis" health check and the periodic cache health log. Settings: ENABLE_CACHING,
    /// CACHE_TTL_SECONDS, CACHE_MAX_MEMORY_ITEMS, DEBUG_LOGGING (validated at start-up) and
    /// <c>ConnectionStrings:cache</c> (absent: memory only).
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowCaching(this IHostApplicationBuilder builder, Action<CachingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(CraftFlowCache)))
        {
            // Called twice (a library and the app both asking for caching): the first registration stands.
            return builder;
        }

        services.AddSingleton<IConfigureOptions<CachingOptions>, CachingOptionsSetup>();
        services.AddSingleton<IValidateOptions<CachingOptions>, CachingOptionsValidator>();
        var optionsBuilder = services.AddOptions<CachingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CraftFlowCache(
            sp.GetRequiredService<IOptions<CachingOptions>>().Value,
            sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CraftFlowCache>>(),
            meterFactory: sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ITwoTierCache>(sp => sp.GetRequiredService<CraftFlowCache>());

        // Replace, not TryAdd: AddOutputCache registers an in-memory store, before or after us.
        services.RemoveAll<IOutputCacheStore>();
        services.AddSingleton<IOutputCacheStore, TwoTierOutputCacheStore>();

        services.AddHealthChecks().AddCheck<RedisCacheHealthCheck>(RedisCacheHealthCheck.Name, tags: HealthCheckTags);
        services.AddHostedService<CacheHealthReporter>();

        // Read here as well as in the options: logging filters are fixed before the container exists.
        if (builder.Configuration[CachingOptions.DebugLoggingSetting]?.Trim().ToUpperInvariant() is "TRUE" or "1" or "YES" or "ON")
        {
            builder.Logging.AddFilter("CraftFlow.Caching", LogLevel.Debug);
        }

        return builder;
    }
}
