using System.Diagnostics.Metrics;
using CraftFlow.Caching;
using CraftFlow.Caching.Health;
using CraftFlow.Caching.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Caching;

public sealed class CachingRegistrationTests
{
    [Theory]
    [InlineData("CACHE_TTL_SECONDS", "soon")]
    [InlineData("CACHE_TTL_SECONDS", "0")]
    [InlineData("CACHE_MAX_MEMORY_ITEMS", "-5")]
    [InlineData("ENABLE_CACHING", "maybe")]
    [InlineData("DEBUG_LOGGING", "loud")]
    public async Task A_bad_setting_fails_start_up_with_a_message_naming_it(string setting, string value)
    {
        using var host = Build(new() { [setting] = value });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(setting, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binds_the_flat_settings_and_keeps_the_defaults_of_the_design()
    {
        using var defaults = Build([]);
        var options = defaults.Services.GetRequiredService<IOptions<CachingOptions>>().Value;
        Assert.Equal((true, 300, 1000, false), (options.Enabled, options.DefaultTtlSeconds, options.MaxMemoryItems, options.DebugLogging));

        using var custom = Build(new()
        {
            ["ENABLE_CACHING"] = "false",
            ["CACHE_TTL_SECONDS"] = "60",
            ["CACHE_MAX_MEMORY_ITEMS"] = "50",
            ["DEBUG_LOGGING"] = "true",
        });
        options = custom.Services.GetRequiredService<IOptions<CachingOptions>>().Value;
        Assert.Equal((false, 60, 50, true), (options.Enabled, options.DefaultTtlSeconds, options.MaxMemoryItems, options.DebugLogging));
        Assert.False(custom.Services.GetRequiredService<ITwoTierCache>().GetStats().Enabled);
    }

    [Fact]
    public async Task Registers_the_cache_the_output_cache_store_and_a_redis_health_check()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddCraftFlowCaching();
        builder.Services.AddOutputCache(); // registered after us: our store must still win
        using var host = builder.Build();

        var cache = host.Services.GetRequiredService<ITwoTierCache>();
        Assert.Same(cache, host.Services.GetRequiredService<CraftFlowCache>());
        Assert.IsType<TwoTierOutputCacheStore>(host.Services.GetRequiredService<IOutputCacheStore>());
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is CacheHealthReporter);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var redis = report.Entries[RedisCacheHealthCheck.Name];
        Assert.Equal(HealthStatus.Healthy, redis.Status); // no connection string: memory only, by design healthy
        Assert.Contains("memory cache only", redis.Description, StringComparison.Ordinal);
        Assert.False(cache.GetStats().RedisAvailable);
    }

    [Fact]
    public async Task Exports_the_counters_on_the_CraftFlow_meter()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMetrics();
        builder.AddCraftFlowCaching();
        using var host = builder.Build();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        var cache = host.Services.GetRequiredService<ITwoTierCache>();
        await cache.GetOrCreateAsync("metrics:a", _ => ValueTask.FromResult(1));
        await cache.GetOrCreateAsync("metrics:a", _ => ValueTask.FromResult(1));

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
        Assert.Equal(1, seen["craftflow.cache.memory_items"]);
        Assert.Equal(0, seen["craftflow.cache.redis_available"]);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddCraftFlowCaching();
        return builder.Build();
    }
}
