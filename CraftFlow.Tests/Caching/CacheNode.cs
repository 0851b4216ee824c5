using CraftFlow.Caching;
using CraftFlow.Caching.OutputCaching;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Tests.Caching;

/// <summary>One process's cache, registered by <c>AddCraftFlowCaching</c> on its own host, as the API and the Worker do.</summary>
public sealed class CacheNode : IAsyncDisposable
{
    private readonly IHost _host;

    private CacheNode(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public IFusionCache Cache => Services.GetRequiredService<IFusionCache>();

    public CacheMonitor Monitor => Services.GetRequiredService<CacheMonitor>();

    public CacheEntries Entries => Services.GetRequiredService<CacheEntries>();

    public CacheInvalidation Invalidation => Services.GetRequiredService<CacheInvalidation>();

    public FusionOutputCacheStore OutputCache => (FusionOutputCacheStore)Services.GetRequiredService<IOutputCacheStore>();

    public CacheStats Stats => Monitor.GetStats();

    public static async Task<CacheNode> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddPlatformSettings();
        builder.AddCraftFlowCaching();
        var host = builder.Build();
        await host.StartAsync();
        return new CacheNode(host);
    }

    /// <summary>GetOrSet with CraftFlow's entry options for <paramref name="ttl"/> (the default TTL when null).</summary>
    public ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, TimeSpan? ttl = null, params string[] tags)
        => Cache.GetOrSetAsync<T>(key, async (_, ct) => await factory(ct), options: ttl is { } t ? Entries.For(t) : null, tags: tags);

    public ValueTask SetAsync<T>(string key, T value, TimeSpan? ttl = null, params string[] tags)
        => Cache.SetAsync(key, value, options: ttl is { } t ? Entries.For(t) : null, tags: tags);

    public async Task<(bool Found, T? Value)> TryGetAsync<T>(string key)
    {
        var found = await Cache.TryGetAsync<T>(key);
        return (found.HasValue, found.HasValue ? found.Value : default);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
