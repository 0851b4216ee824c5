using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The queue's traces and metrics, under the "CraftFlow" source and meter names that ServiceDefaults already
/// exports (CraftFlow.Data does not reference ServiceDefaults, so the names are repeated, not shared).
/// A job's run is a child span of the enqueue span (or, with no listener at enqueue, of the activity that enqueued
/// it): the trace context travels in the row's trace_context column, as the W3C traceparent and tracestate.
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

    private static readonly Histogram<int> RecordBatchSize = Meter.CreateHistogram<int>(
        "craftflow.jobs.record.batch_size", unit: "{job}", description: "Run outcomes written by one statement, by queue.");

    public static void RecordRun(Job job, string outcome, TimeSpan elapsed)
        => RunDuration.Record(
            elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("queue", job.Queue),
            new KeyValuePair<string, object?>("kind", job.Kind),
            new KeyValuePair<string, object?>("outcome", outcome));

    public static void RecordRescued(int count) => Rescued.Add(count);

    public static void RecordBatch(string queue, int size) => RecordBatchSize.Record(size, new KeyValuePair<string, object?>("queue", queue));

    /// <summary>A producer span around an enqueue; null when nobody listens to the source.</summary>
    public static Activity? StartEnqueue(IReadOnlyList<NewJob> jobs)
    {
        var queue = jobs[0].Queue;
        var oneQueue = jobs.All(j => j.Queue == queue);
        var activity = ActivitySource.StartActivity(oneQueue ? $"enqueue {queue}" : "enqueue", ActivityKind.Producer);
        if (activity is not null && oneQueue)
        {
            activity.SetTag("messaging.destination.name", queue);
        }

        activity?.SetTag("messaging.batch.message_count", jobs.Count);
        return activity;
    }

    /// <summary>The trace_context value for jobs enqueued under <paramref name="activity"/>; null outside a W3C trace.</summary>
    public static string? CaptureTraceContext(Activity? activity)
        => activity is { IdFormat: ActivityIdFormat.W3C, Id: { } traceParent }
            ? JsonSerializer.Serialize(new TraceCarrier(traceParent, activity.TraceStateString), TraceCarrierJson.Default.TraceCarrier)
            : null;

    /// <summary>
    /// The span of one run, a child of the enqueuer's context when the job carries one. Without one it is a root
    /// span, whatever activity happens to be current on the consumer's thread.
    /// </summary>
    public static Activity? StartRun(Job job)
    {
        if (Activity.Current is not null)
        {
            Activity.Current = null;
        }

        var activity = ParseTraceContext(job.TraceContext) is { } parent
            ? ActivitySource.StartActivity($"job {job.Kind}", ActivityKind.Consumer, parent)
            : ActivitySource.StartActivity($"job {job.Kind}", ActivityKind.Consumer);
        activity?.SetTag("messaging.destination.name", job.Queue);
        activity?.SetTag("craftflow.job.id", job.Id);
        activity?.SetTag("craftflow.job.attempt", job.Attempt);
        return activity;
    }

    private static ActivityContext? ParseTraceContext(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            var carrier = JsonSerializer.Deserialize(json, TraceCarrierJson.Default.TraceCarrier);
            return carrier?.TraceParent is { } traceParent
                && ActivityContext.TryParse(traceParent, carrier.TraceState, isRemote: true, out var context)
                ? context
                : null;
        }
        catch (JsonException)
        {
            // A hand-written row with a broken context still runs; it just starts its own trace.
            return null;
        }
    }
}

/// <summary>The W3C Trace Context fields, named as the HTTP headers are.</summary>
internal sealed record TraceCarrier(
    [property: JsonPropertyName("traceparent")] string? TraceParent,
    [property: JsonPropertyName("tracestate")] string? TraceState);

[JsonSerializable(typeof(TraceCarrier))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TraceCarrierJson : JsonSerializerContext;
