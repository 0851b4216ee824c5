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

/// <summary>What happened to a failed run.</summary>
public enum FailureOutcome
{
    /// <summary>Made available again at a later run_at.</summary>
    Retrying,

    /// <summary>No attempts left: discarded with the error kept.</summary>
    Discarded,

    /// <summary>The job was no longer ours (cancelled, or rescued after our lease expired): nothing written.</summary>
    NotOwned,
}
