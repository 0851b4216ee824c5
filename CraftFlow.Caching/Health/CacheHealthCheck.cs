using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CraftFlow.Caching.Health;

/// <summary>
/// The "redis" entry of <c>/health</c>. Degraded (still HTTP 200) when Redis is configured but does not answer,
/// because the memory tier keeps serving. Healthy when no Redis is configured or caching is off: both are
/// supported configurations (DESIGN.md: "none: memory cache only"), not faults; the description says which.
/// Used instead of the check <c>AddRedisClient</c> registers, which reports an outage as Unhealthy (HTTP 503).
/// </summary>
public sealed class CacheHealthCheck(CacheMonitor monitor) : IHealthCheck
{
    public const string Name = "redis";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = await monitor.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        var stats = monitor.GetStats();
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
