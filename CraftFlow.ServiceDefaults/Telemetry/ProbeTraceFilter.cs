using System.Diagnostics;
using OpenTelemetry;

namespace CraftFlow.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps health probes out of traces: Railway and the AppHost poll /health and /alive every few
/// seconds, which would drown real requests. Runs before the exporter, which skips unrecorded spans.
/// </summary>
public sealed class ProbeTraceFilter : BaseProcessor<Activity>
{
    private static readonly string[] ProbePaths = [HealthEndpoints.HealthPath, HealthEndpoints.AlivePath];

    public override void OnEnd(Activity data)
    {
        if (IsProbe(data))
        {
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    public static bool IsProbe(Activity activity)
        => activity.GetTagItem("url.path") is string path
           && ProbePaths.Any(probe => string.Equals(path, probe, StringComparison.OrdinalIgnoreCase));
}
