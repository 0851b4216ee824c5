using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Monitoring;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CraftFlow.ServiceDefaults.Health;

/// <summary>Degraded above 80 % of MEMORY_LIMIT_MB (default 7000): a warning before the platform kills us.</summary>
public sealed class MemoryHealthCheck(IOptions<PlatformOptions> platform, IOptions<MonitoringOptions> monitoring) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        double limitMb = platform.Value.MemoryLimitMb;
        var fraction = monitoring.Value.MemoryWarningFraction;
        var usedMb = ProcessUsage.WorkingSetMb;
        var data = new Dictionary<string, object> { ["used_mb"] = usedMb, ["gc_heap_mb"] = ProcessUsage.GcHeapMb, ["limit_mb"] = limitMb };
        return Task.FromResult(usedMb > limitMb * fraction
            ? HealthCheckResult.Degraded($"Working set {usedMb:0} MB is above {fraction:P0} of {limitMb:0} MB.", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
