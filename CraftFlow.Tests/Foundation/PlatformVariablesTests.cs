using CraftFlow.Data.Schema;
using CraftFlow.Data.Storage;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Foundation;

/// <summary>The flat, Railway-style variables: one reader, onto the options each service binds.</summary>
public sealed class PlatformVariablesTests
{
    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        using var host = Build([]);

        var platform = host.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        Assert.Equal((false, true, 7000, "unknown"), (platform.DebugLogging, platform.PerformanceMonitoring, platform.MemoryLimitMb, platform.Version));
        Assert.Equal(MigrationMode.Manual, host.Services.GetRequiredService<IOptions<MigrationOptions>>().Value.Mode);
    }

    [Theory]
    [InlineData("DEBUG_LOGGING", "maybe")]
    [InlineData("PERFORMANCE_MONITORING", "sometimes")]
    [InlineData("ENABLE_CACHING", "perhaps")]
    [InlineData("MEMORY_LIMIT_MB", "-5")]
    [InlineData("MEMORY_LIMIT_MB", "lots")]
    [InlineData("CACHE_TTL_SECONDS", "0")]
    [InlineData("WORKER_CONCURRENCY", "1000")]
    [InlineData("WORKER_CONCURRENCY_MAINTENANCE", "-1")]
    [InlineData("MIGRATION_MODE", "sometimes")]
    [InlineData("STORAGE_PROVIDER", "s3")]
    public void A_bad_value_fails_start_up_naming_the_variable_and_the_value(string variable, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build([new(variable, value)]));

        Assert.StartsWith(variable, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Railway_style_values_reach_every_services_options_the_same_way()
    {
        using var host = Build(
        [
            new("DEBUG_LOGGING", "1"), new("PERFORMANCE_MONITORING", "off"), new("MEMORY_LIMIT_MB", "512"),
            new("RAILWAY_GIT_COMMIT_SHA", "0123456789abcdef"), new("MIGRATION_MODE", "Startup"), new("STORAGE_PROVIDER", "postgres"),
            new("STORAGE_PATH", "/data/blobs"), new("WORKER_CONCURRENCY", "3"), new("WORKER_CONCURRENCY_IMAGE_PROCESSING", "1"),
        ]);

        var platform = host.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        Assert.Equal((true, false, 512, "01234567"), (platform.DebugLogging, platform.PerformanceMonitoring, platform.MemoryLimitMb, platform.ShortVersion));
        Assert.Equal(MigrationMode.Startup, host.Services.GetRequiredService<IOptions<MigrationOptions>>().Value.Mode);
        var storage = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        Assert.Equal((StorageProvider.Postgres, "/data/blobs"), (storage.Provider, storage.Path));
        var worker = WorkerOptions.Read(host.Services.GetRequiredService<IConfiguration>());
        Assert.Equal((3, 1), (worker.ConcurrencyFor("maintenance"), worker.ConcurrencyFor("image_processing")));
    }

    [Fact]
    public void A_hierarchical_setting_wins_over_the_flat_variable()
    {
        using var host = Build([new("MEMORY_LIMIT_MB", "512"), new("Platform:MemoryLimitMb", "2048")]);

        Assert.Equal(2048, host.Services.GetRequiredService<IOptions<PlatformOptions>>().Value.MemoryLimitMb);
    }

    private static IHost Build(KeyValuePair<string, string?>[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPlatformSettings();
        builder.Services.AddOptions<MigrationOptions>().BindConfiguration(MigrationOptions.SectionName);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        var host = builder.Build();
        _ = host.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        return host;
    }
}
