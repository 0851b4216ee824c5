using Microsoft.Extensions.Options;

namespace CraftFlow.Data.Jobs;

/// <summary>The queue's timings. Tests shrink them to milliseconds; production keeps the defaults.</summary>
public sealed class JobQueueOptions
{
    public const string SectionName = "JobQueue";

    /// <summary>How long a claim holds a job without a heartbeat before the rescuer may hand it to another worker.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a worker extends the leases of the jobs it runs; well below the lease so one slow beat is harmless.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The fallback when a NOTIFY is lost (listener reconnecting) and for jobs scheduled in the future.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often expired leases are looked for.</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retry delay is BaseBackoff × 2^retry (retry 0 is the first): 60 s, 120 s, 240 s by default.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Each delay is spread by ± this fraction so jobs that failed together do not retry together.</summary>
    public double BackoffJitter { get; set; } = 0.1;

    /// <summary>Runs a job gets when the producer does not say: the first run and three retries.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>How long completed, discarded and cancelled jobs are kept for inspection before they are pruned.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Rows deleted per statement when pruning, so a large backlog never holds long locks or bloats one transaction.</summary>
    public int PruneBatchSize { get; set; } = 1000;

    /// <summary>How often the maintenance queue is given a prune job.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Jobs a consumer claims ahead per slot, beyond the ones it runs: the next jobs are claimed while the current
    /// ones run, and a freed slot starts the next at once. A prefetched job is leased like a running one, so where
    /// several Workers share a queue of long jobs, 0 spreads them better (a prefetched job waits for its own Worker).
    /// </summary>
    public int PrefetchPerSlot { get; set; } = 1;

    /// <summary>On shutdown, how long running jobs may finish before they are cancelled and released.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);
}

public sealed class JobQueueOptionsValidator : IValidateOptions<JobQueueOptions>
{
    private const int MaxPrefetchPerSlot = 100;

    public ValidateOptionsResult Validate(string? name, JobQueueOptions options)
    {
        var failures = new List<string>();
        Positive(options.LeaseDuration, nameof(options.LeaseDuration));
        Positive(options.HeartbeatInterval, nameof(options.HeartbeatInterval));
        Positive(options.PollInterval, nameof(options.PollInterval));
        Positive(options.RescueInterval, nameof(options.RescueInterval));
        Positive(options.BaseBackoff, nameof(options.BaseBackoff));
        Positive(options.Retention, nameof(options.Retention));
        Positive(options.PruneInterval, nameof(options.PruneInterval));
        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.ShutdownGracePeriod)} must not be negative.");
        }

        if (options.HeartbeatInterval >= options.LeaseDuration)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.HeartbeatInterval)} must be shorter than {nameof(options.LeaseDuration)}, or every lease expires between beats.");
        }

        if (options.BackoffJitter is < 0 or >= 1)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.BackoffJitter)} must be in [0, 1).");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.MaxAttempts)} must be at least 1.");
        }

        if (options.PrefetchPerSlot is < 0 or > MaxPrefetchPerSlot)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.PrefetchPerSlot)} must be from 0 to {MaxPrefetchPerSlot}.");
        }

        if (options.PruneBatchSize < 1)
        {
            failures.Add($"{JobQueueOptions.SectionName}:{nameof(options.PruneBatchSize)} must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{JobQueueOptions.SectionName}:{setting} must be positive.");
            }
        }
    }
}
