namespace CraftFlow.Data.Jobs;

/// <summary>What a producer asks for; the queue fills in state, attempts and timestamps.</summary>
public sealed record NewJob(string Queue, string Kind, string Payload)
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid? UserId { get; init; }

    /// <summary>Lower runs first.</summary>
    public short Priority { get; init; }

    /// <summary>Not before this time; null means now.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Null takes <see cref="JobQueueOptions.MaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>While a job with this key is available or running, enqueueing another returns the existing one.</summary>
    public string? UniqueKey { get; init; }
}

/// <summary>
/// The job that holds the work: the new row, or, when <see cref="Duplicate"/> is true, the available or running
/// job that already has the same unique key.
/// </summary>
public readonly record struct EnqueueResult(Guid JobId, bool Duplicate);

public readonly record struct PruneResult(int Deleted, int Batches);

/// <summary>What a run came to, and so what its row becomes.</summary>
public enum JobOutcomeKind
{
    /// <summary>The handler returned: completed.</summary>
    Completed,

    /// <summary>The handler threw with attempts left: available again after the backoff, the error kept.</summary>
    Retrying,

    /// <summary>The handler threw on its last attempt: discarded with the error kept.</summary>
    Discarded,

    /// <summary>Not run, or stopped by shutdown: available at once, and the attempt the claim counted is given back.</summary>
    Released,
}

/// <summary>
/// A run's result, decided when the run ends (its times and backoff are fixed then) and written later, alone or in
/// a batch with others, by <see cref="JobQueue.RecordAsync"/>. Make one with <see cref="JobQueue.Completed"/>,
/// <see cref="JobQueue.Failed"/> or <see cref="JobQueue.Released"/>.
/// </summary>
public sealed record JobOutcome(Job Job, JobOutcomeKind Kind, DateTimeOffset At, DateTimeOffset? RetryAt = null, string? Error = null);
