using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using Microsoft.EntityFrameworkCore;

namespace CraftFlow.Api.Caching;

/// <summary>
/// The cache routes, with the field names of the seed deployment guide. Health and stats answer without a token
/// (they carry no user data, and the guide's deployment checks call them bare); the clear routes need one.
/// </summary>
public static partial class CacheEndpoints
{
    public sealed record CacheHealthBody(string Redis, string Memory, string Overall);

    public sealed record CacheHealthResponse(string Status, DateTimeOffset LastCheck, CacheHealthBody CacheHealth);

    public sealed record PerformanceStats(
        long Hits, long Misses, double HitRatePercent, bool RedisAvailable, bool Enabled,
        long MemoryHits, long RedisHits, long Errors, long Evictions, int MemoryItems, int MaxMemoryItems);

    public sealed record CacheStatsResponse(string Status, DateTimeOffset LastCheck, PerformanceStats PerformanceStats);

    public sealed record CacheClearedResponse(string Status, string Tag);

    public static IEndpointRouteBuilder MapCacheEndpoints(this IEndpointRouteBuilder app)
    {
        var cache = app.MapGroup("/api/cache").WithTags("Cache");
        cache.MapGet("/health", HealthAsync).AllowAnonymous();
        cache.MapGet("/stats", Stats).AllowAnonymous();
        cache.MapPost("/clear/user/{userId:guid}", ClearUserAsync).RequireAuthorization();
        cache.MapPost("/clear/template/{templateId:guid}", ClearTemplateAsync).RequireAuthorization();
        return app;
    }

    private static async Task<Ok<CacheHealthResponse>> HealthAsync(CacheMonitor cache, CancellationToken cancellationToken)
    {
        var health = await cache.CheckHealthAsync(cancellationToken);
        return TypedResults.Ok(new CacheHealthResponse(health.Overall, health.LastCheck, new CacheHealthBody(health.Redis, health.Memory, health.Overall)));
    }

    private static Ok<CacheStatsResponse> Stats(CacheMonitor cache, TimeProvider timeProvider)
    {
        var stats = cache.GetStats();
        return TypedResults.Ok(new CacheStatsResponse(
            stats.Enabled ? "ok" : "disabled",
            timeProvider.GetUtcNow(),
            new PerformanceStats(
                stats.Hits, stats.Misses, stats.HitRatePercent, stats.RedisAvailable, stats.Enabled,
                stats.MemoryHits, stats.RedisHits, stats.Errors, stats.Evictions, stats.MemoryItems, stats.MaxMemoryItems)));
    }

    /// <summary>A user may clear their own entries; an admin anyone's. Another user's id is a 404, as everywhere.</summary>
    private static async Task<Results<Ok<CacheClearedResponse>, ProblemHttpResult>> ClearUserAsync(
        Guid userId, ClaimsPrincipal principal, CacheInvalidation invalidation, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (userId != principal.UserId() && !principal.IsAdmin())
        {
            return Problems.NotFound("User");
        }

        var tag = CacheTags.User(userId);
        await invalidation.ClearUserAsync(userId, cancellationToken);
        LogCleared(loggers.CreateLogger(typeof(CacheEndpoints)), tag, principal.UserId());
        return TypedResults.Ok(new CacheClearedResponse("cleared", tag));
    }

    private static async Task<Results<Ok<CacheClearedResponse>, ProblemHttpResult>> ClearTemplateAsync(
        Guid templateId, ClaimsPrincipal principal, CraftFlowDbContext db, CacheInvalidation invalidation, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var userId = principal.UserId();
        if (!principal.IsAdmin() && !await db.Templates.AnyAsync(t => t.Id == templateId && t.UserId == userId, cancellationToken))
        {
            return Problems.NotFound("Template");
        }

        var tag = CacheTags.Template(templateId);
        await invalidation.ClearTemplateAsync(templateId, cancellationToken);
        LogCleared(loggers.CreateLogger(typeof(CacheEndpoints)), tag, userId);
        return TypedResults.Ok(new CacheClearedResponse("cleared", tag));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cache tag {Tag} cleared by user {UserId}")]
    private static partial void LogCleared(ILogger logger, string tag, Guid userId);
}
