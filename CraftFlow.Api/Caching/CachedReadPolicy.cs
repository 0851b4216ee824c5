using CraftFlow.Api.Infrastructure;
using Microsoft.AspNetCore.OutputCaching;

namespace CraftFlow.Api.Caching;

/// <summary>
/// Output caching for an authenticated read: varied by user and query string, tagged so writes evict it,
/// stored only for 200 responses. ASP.NET Core's default policy never caches authenticated requests,
/// which is every CraftFlow read; varying by the user keeps one seller's responses from another.
/// </summary>
/// <param name="changedByWorker">
/// The Worker changes these resources (a design's status, a mockup's image). It tells the API through
/// Redis (the cache's backplane); with no Redis configured it cannot, so such reads are then not cached at all.
/// </param>
public sealed class CachedReadPolicy(TimeSpan ttl, Func<HttpContext, Guid, IEnumerable<string>> resourceTags, bool changedByWorker = false)
    : IOutputCachePolicy
{
    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var cache = http.RequestServices.GetRequiredService<CacheMonitor>();
        if (!HttpMethods.IsGet(http.Request.Method) || http.User.Identity?.IsAuthenticated != true
            || !cache.Enabled || (changedByWorker && !cache.RedisConfigured))
        {
            context.EnableOutputCaching = false;
            return ValueTask.CompletedTask;
        }

        var userId = http.User.UserId();
        context.EnableOutputCaching = true;
        context.AllowCacheLookup = true;
        context.AllowCacheStorage = true;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = ttl;
        context.CacheVaryByRules.QueryKeys = "*";
        context.CacheVaryByRules.VaryByValues["user"] = userId.ToString("N");
        context.Tags.Add(CacheTags.User(userId));
        foreach (var tag in resourceTags(http, userId))
        {
            context.Tags.Add(tag);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        if (context.HttpContext.Response.StatusCode != StatusCodes.Status200OK)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The route value <paramref name="name"/> as a Guid (routes constrain it to one).</summary>
    public static Guid RouteId(HttpContext context, string name = "id")
        => Guid.TryParse(context.GetRouteValue(name)?.ToString(), out var id) ? id : Guid.Empty;
}
