using CraftFlow.Api.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CraftFlow.Api.Caching;

public static class CachingServiceExtensions
{
    /// <summary>The cache behind output caching and token lookups; ENABLE_CACHING=false turns all of it off.</summary>
    public static IHostApplicationBuilder AddApiCaching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOutputCache();
        builder.AddCraftFlowCaching();
        builder.Services.RemoveAll<ITokenLookupCache>();
        builder.Services.AddSingleton<ITokenLookupCache, CachedTokenLookup>();
        return builder;
    }
}
