using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The queue's traces and metrics, under the "CraftFlow" source and meter names that ServiceDefaults already
/// exports (CraftFlow.Data does not reference ServiceDefaults, so the names are repeated, not shared).
/// </summary>
public static class JobTelemetry
{
    public const string Name = "CraftFlow";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "craftflow.jobs.run.duration", unit: "s", description: "Time a job's handler ran, by queue, kind and outcome.");

    private static readonly Counter<long> Rescued = Meter.CreateCounter<long>(
        "craftflow.jobs.rescued", description: "Jobs made available again after their worker's lease expired.");

    public static void RecordRun(Job job, string outcome, TimeSpan elapsed)
        => RunDuration.Record(
            elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("queue", job.Queue),
            new KeyValuePair<string, object?>("kind", job.Kind),
            new KeyValuePair<string, object?>("outcome", outcome));

    public static void RecordRescued(int count) => Rescued.Add(count);

    public static Activity? StartRun(Job job)
    {
        var activity = ActivitySource.StartActivity($"job {job.Kind}", ActivityKind.Consumer);
        activity?.SetTag("messaging.destination.name", job.Queue);
        activity?.SetTag("craftflow.job.id", job.Id);
        activity?.SetTag("craftflow.job.attempt", job.Attempt);
        return activity;
    }
}
