using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CraftFlow.Caching.Health;

/// <summary>
/// The "redis" entry of <c>/health</c>. Degraded (still HTTP 200) when Redis is configured but unreachable,
/// because the memory tier keeps serving. Healthy when no Redis is configured or caching is off: both are
/// supported configurations (DESIGN.md: "none: memory cache only"), not faults; the description says which.
/// </summary>
public sealed class RedisCacheHealthCheck(ITwoTierCache cache) : IHealthCheck
{
    public const string Name = "redis";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = await cache.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        var stats = cache.GetStats();
        var data = new Dictionary<string, object>
        {
            ["redis"] = health.Redis,
            ["memory"] = health.Memory,
            ["memory_items"] = stats.MemoryItems,
            ["hit_rate_percent"] = stats.HitRatePercent,
        };
        return health.Overall == CacheHealth.Degraded
            ? HealthCheckResult.Degraded(health.Description, data: data)
            : HealthCheckResult.Healthy(health.Description, data);
    }
}
