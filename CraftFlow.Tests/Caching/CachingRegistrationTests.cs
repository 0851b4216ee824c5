using System.Diagnostics.Metrics;
using CraftFlow.Caching;
using CraftFlow.Caching.Health;
using CraftFlow.Caching.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.NullObjects;

namespace CraftFlow.Tests.Caching;

public sealed class CachingRegistrationTests
{
    [Theory]
    [InlineData("CACHE_TTL_SECONDS", "soon")]
    [InlineData("CACHE_TTL_SECONDS", "0")]
    [InlineData("CACHE_MAX_MEMORY_ITEMS", "-5")]
    [InlineData("CACHE_MAX_MEMORY_ITEMS", "many")]
    [InlineData("ENABLE_CACHING", "maybe")]
    [InlineData("DEBUG_LOGGING", "loud")]
    [InlineData("Caching:RedisTimeout", "00:10:00")]
    public async Task A_bad_setting_fails_start_up_with_a_message_naming_it(string setting, string value)
    {
        // Some are read when the host is built (they decide what is registered), the rest when it starts.
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var host = Build(new() { [setting] = value });
            await host.StartAsync();
        });

        Assert.NotNull(failure);
        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binds_the_flat_settings_and_keeps_the_defaults_of_the_design()
    {
        using var defaults = Build([]);
        var options = defaults.Services.GetRequiredService<IOptions<CachingOptions>>().Value;
        Assert.Equal((true, 300, 1000), (options.Enabled, options.DefaultTtlSeconds, options.MaxMemoryItems));
        Assert.Equal(LogLevel.Warning, FusionCacheLogLevel(defaults));
        var fusion = defaults.Services.GetRequiredService<IOptions<FusionCacheOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(300), fusion.DefaultEntryOptions.Duration);
        Assert.Equal(TimeSpan.FromSeconds(300 + 300), fusion.DefaultEntryOptions.FailSafeMaxDuration);
        Assert.Equal(1, fusion.DefaultEntryOptions.Size);
        Assert.Equal(RemoveByTagBehavior.Remove, fusion.RemoveByTagBehavior);

        using var custom = Build(new()
        {
            ["ENABLE_CACHING"] = "false",
            ["CACHE_TTL_SECONDS"] = "60",
            ["CACHE_MAX_MEMORY_ITEMS"] = "50",
            ["DEBUG_LOGGING"] = "true",
        });
        options = custom.Services.GetRequiredService<IOptions<CachingOptions>>().Value;
        Assert.Equal((false, 60, 50), (options.Enabled, options.DefaultTtlSeconds, options.MaxMemoryItems));
        Assert.Equal(LogLevel.Debug, FusionCacheLogLevel(custom));
        Assert.IsType<NullFusionCache>(custom.Services.GetRequiredService<IFusionCache>());
        Assert.False(custom.Services.GetRequiredService<CacheMonitor>().GetStats().Enabled);
        Assert.Null(custom.Services.GetService<IConnectionMultiplexer>());
    }

    [Fact]
    public async Task Registers_the_cache_the_output_cache_store_and_a_redis_health_check()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddCraftFlowCaching();
        builder.Services.AddOutputCache(); // registered after us: our store must still win
        using var host = builder.Build();

        Assert.IsType<FusionCache>(host.Services.GetRequiredService<IFusionCache>());
        Assert.IsType<FusionOutputCacheStore>(host.Services.GetRequiredService<IOutputCacheStore>());
        var monitor = host.Services.GetRequiredService<CacheMonitor>();
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => ReferenceEquals(s, monitor));
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is CacheHealthReporter);
        Assert.Null(host.Services.GetService<IConnectionMultiplexer>());

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var redis = Assert.Single(report.Entries).Value;
        Assert.Equal(CacheHealthCheck.Name, Assert.Single(report.Entries).Key);
        Assert.Equal(HealthStatus.Healthy, redis.Status); // no connection string: memory only, by design healthy
        Assert.Contains("memory cache only", redis.Description, StringComparison.Ordinal);
        Assert.False(monitor.GetStats().RedisAvailable);
    }

    [Fact]
    public void With_a_connection_string_registers_one_redis_client_and_only_the_degrading_health_check()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:cache"] = "127.0.0.1:1" });
        builder.AddCraftFlowCaching();
        builder.AddCraftFlowCaching(); // a library and the app both asking for caching

        Assert.Single(builder.Services, d => d.ServiceType == typeof(IConnectionMultiplexer));
        var checks = builder.Services.BuildServiceProvider().GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Contains(checks, c => c.Name == CacheHealthCheck.Name && c.Tags.Contains("ready"));
        Assert.Single(checks, c => c.Name == CacheHealthCheck.Name);

        // AddRedisClient's own check would report an outage as Unhealthy, turning /health into a 503.
        Assert.DoesNotContain(checks, c => c.Name != CacheHealthCheck.Name && c.Name.Contains("Redis", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Exports_the_counters_on_the_CraftFlow_meter()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMetrics();
        builder.AddCraftFlowCaching();
        using var host = builder.Build();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        var cache = host.Services.GetRequiredService<IFusionCache>();
        var monitor = host.Services.GetRequiredService<CacheMonitor>();
        await cache.GetOrSetAsync("metrics:a", _ => Task.FromResult(1));
        await cache.GetOrSetAsync("metrics:a", _ => Task.FromResult(1));

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "CraftFlow" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tier = tags.Length > 0 ? $"/{tags[0].Value}" : string.Empty;
            seen[instrument.Name + tier] = value;
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(1, seen["craftflow.cache.misses"]);
        Assert.Equal(1, seen["craftflow.cache.hits/memory"]);
        Assert.Equal(0, seen["craftflow.cache.hits/redis"]);
        Assert.Equal(monitor.GetStats().MemoryItems, seen["craftflow.cache.memory_items"]); // the entry and FusionCache's markers
        Assert.True(seen["craftflow.cache.memory_items"] >= 1);
        Assert.Equal(0, seen["craftflow.cache.redis_available"]);
    }

    private static LogLevel? FusionCacheLogLevel(IHost host)
        => host.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules
            .LastOrDefault(r => r.CategoryName == CraftFlow.ServiceDefaults.Telemetry.CraftFlowTelemetry.FusionCacheLogCategory)?.LogLevel;

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPlatformSettings();
        builder.AddCraftFlowCaching();
        return builder.Build();
    }
}
