using CraftFlow.ServiceDefaults.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CraftFlow.ServiceDefaults.Health;

/// <summary>Degraded above 80 % of MEMORY_LIMIT_MB (default 7000): a warning before the platform kills us.</summary>
public sealed class MemoryHealthCheck(IOptions<PlatformOptions> platform) : IHealthCheck
{
    public const double WarningFraction = 0.8;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        double limitMb = platform.Value.MemoryLimitMb;
        var usedMb = Environment.WorkingSet / (1024.0 * 1024.0);
        var data = new Dictionary<string, object> { ["used_mb"] = usedMb, ["limit_mb"] = limitMb };
        return Task.FromResult(usedMb > limitMb * WarningFraction
            ? HealthCheckResult.Degraded($"Working set {usedMb:0} MB is above 80 % of {limitMb:0} MB.", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}
