namespace CraftFlow.Data.Jobs;

public enum JobState
{
    Available,
    Running,
    Completed,
    Discarded,
    Cancelled,
}

/// <summary>A row of the durable job queue (DESIGN.md section 6).</summary>
public sealed class Job
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Queue { get; set; }

    /// <summary>Which handler runs the job, e.g. "process_design_batch".</summary>
    public required string Kind { get; set; }

    /// <summary>The handler's arguments as JSON (jsonb).</summary>
    public required string Payload { get; set; }

    /// <summary>The user the job works for, so the API can show users only their own jobs.</summary>
    public Guid? UserId { get; set; }

    public JobState State { get; set; } = JobState.Available;

    /// <summary>Lower runs first.</summary>
    public short Priority { get; set; }

    public DateTimeOffset RunAt { get; set; }

    public int Attempt { get; set; }

    public int MaxAttempts { get; set; } = 4;

    /// <summary>While a job with this key is available or running, another with the same key is refused.</summary>
    public string? UniqueKey { get; set; }

    public string? LockedBy { get; set; }

    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>
    /// The W3C trace context (traceparent, tracestate) of the activity that enqueued the job, as a jsonb object, so
    /// the run's span joins the trace of the request that asked for it. Null when nothing was being traced.
    /// </summary>
    public string? TraceContext { get; set; }
}
