using System.Diagnostics.Metrics;

namespace CraftFlow.Caching;

/// <summary>
/// The cache's counters as OpenTelemetry instruments on the "CraftFlow" meter, which AddServiceDefaults
/// already exports. Observable instruments read <see cref="CacheMonitor.GetStats"/> at collection time,
/// so the hot path pays nothing for them.
/// </summary>
internal static class CacheMetrics
{
    public const string MeterName = "CraftFlow";

    public static Meter Create(IMeterFactory? factory, Func<CacheStats> stats)
    {
        var meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableCounter("craftflow.cache.hits", () =>
        {
            var s = stats();
            return new[]
            {
                new Measurement<long>(s.MemoryHits, new KeyValuePair<string, object?>("tier", "memory")),
                new Measurement<long>(s.RedisHits, new KeyValuePair<string, object?>("tier", "redis")),
            };
        }, description: "Reads answered from the cache, by tier.");
        meter.CreateObservableCounter("craftflow.cache.misses", () => stats().Misses, description: "Reads that ran the factory or found nothing.");
        meter.CreateObservableCounter("craftflow.cache.errors", () => stats().Errors, description: "Lost Redis connections, failed pings and unreadable values.");
        meter.CreateObservableCounter("craftflow.cache.evictions", () => stats().Evictions, description: "Memory-tier entries refused or evicted by its size bound.");
        meter.CreateObservableCounter("craftflow.cache.stale_served", () => stats().StaleServed, description: "Factory failures answered with an expired value.");
        meter.CreateObservableGauge("craftflow.cache.memory_items", () => stats().MemoryItems, description: "Entries in the memory tier.");
        meter.CreateObservableGauge("craftflow.cache.redis_available", () => stats().RedisAvailable ? 1 : 0, description: "1 while Redis is configured and answers.");
        return meter;
    }
}
