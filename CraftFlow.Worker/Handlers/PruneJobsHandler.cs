using CraftFlow.Data.Jobs;

namespace CraftFlow.Worker.Handlers;

/// <summary>
/// Deletes finished jobs past their retention, in bounded batches. Idempotent by nature: a second run finds
/// nothing left to delete.
/// </summary>
public sealed partial class PruneJobsHandler(JobQueue queue, ILogger<PruneJobsHandler> logger) : IJobHandler
{
    public const string JobKind = "prune_jobs";

    public string Kind => JobKind;

    /// <summary>What the scheduler enqueues; the unique key keeps one pending prune however many Workers run.</summary>
    public static NewJob CreateJob() => new(JobQueues.Maintenance, JobKind, "{}") { UniqueKey = $"{JobQueues.Maintenance}:{JobKind}", Priority = 10 };

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var result = await queue.PruneAsync(cancellationToken);
        LogPruned(logger, result.Deleted, result.Batches);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Deleted} finished jobs in {Batches} batches")]
    private static partial void LogPruned(ILogger logger, int deleted, int batches);
}
