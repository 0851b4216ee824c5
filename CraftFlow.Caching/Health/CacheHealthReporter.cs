using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CraftFlow.Caching.Health;

/// <summary>
/// Logs the cache's health and hit rate every <see cref="CachingOptions.HealthLogInterval"/> (5 minutes),
/// so an outage or a collapsing hit rate shows up in the logs even when nobody polls the endpoints.
/// </summary>
public sealed partial class CacheHealthReporter(CacheMonitor monitor, IOptions<CachingOptions> options, TimeProvider time, ILogger<CacheHealthReporter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthLogInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await ReportAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One report; public so that tests and the API can trigger it.</summary>
    public async Task<CacheHealth> ReportAsync(CancellationToken cancellationToken)
    {
        var health = await monitor.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        var stats = monitor.GetStats();
        if (health.Overall == CacheHealth.Degraded)
        {
            LogDegraded(logger, health.Overall, health.Redis, stats.HitRatePercent, stats.MemoryItems);
        }
        else
        {
            LogHealth(logger, health.Overall, health.Redis, stats.HitRatePercent, stats.MemoryItems);
        }

        return health;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cache health: {Health} (redis {Redis}) | Hit rate: {HitRate:0.0}% | Memory items: {MemoryItems}")]
    private static partial void LogHealth(ILogger logger, string health, string redis, double hitRate, int memoryItems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache health: {Health} (redis {Redis}) | Hit rate: {HitRate:0.0}% | Memory items: {MemoryItems}")]
    private static partial void LogDegraded(ILogger logger, string health, string redis, double hitRate, int memoryItems);
}
