using CraftFlow.Data.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CraftFlow.Worker.Jobs;

/// <summary>
/// "job_queue" in the Worker's /health: degraded while the LISTEN connection is down (jobs still run, but only
/// at the poll interval). The database itself has its own check.
/// </summary>
public sealed class JobQueueHealthCheck(JobNotificationListener listener) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(listener.IsListening
            ? HealthCheckResult.Healthy("Listening for job notifications.")
            : HealthCheckResult.Degraded("Not listening for job notifications; consumers fall back to polling."));
}
