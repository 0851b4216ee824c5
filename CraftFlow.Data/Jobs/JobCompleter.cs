using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Data.Jobs;

/// <summary>What became of a buffered outcome.</summary>
public enum RecordResult
{
    /// <summary>The row now says what the run came to.</summary>
    Written,

    /// <summary>The job was no longer this worker's (cancelled, or rescued after its lease expired): nothing written.</summary>
    NotOwned,

    /// <summary>The database refused the write even after retries: the row is still running and its lease will expire.</summary>
    Failed,
}

/// <summary>
/// Buffers one consumer's run outcomes and writes them together (the idea of River's batch completer): whatever
/// gathered while the previous statement ran goes into the next one, so a busy consumer pays one UPDATE and one
/// commit per batch rather than per job, and an idle one writes each outcome at once, with no timer to wait for.
/// <para>
/// A buffered outcome lives only in this process. If the process dies before the batch is written, the job's row is
/// still <c>running</c> under this worker's lease: nothing was applied, so nothing is applied twice. The rescuer
/// makes the job available when the lease expires and it runs again (the attempt counted), which is the queue's
/// at-least-once promise and why handlers must be idempotent. A graceful stop writes everything buffered first.
/// </para>
/// </summary>
public sealed partial class JobCompleter
{
    /// <summary>Outcomes per statement: big enough to amortise the commit, small enough to keep one statement short.</summary>
    public const int MaxBatch = 1000;

    private const int WriteAttempts = 3;

    private readonly string _queueName;
    private readonly JobQueue _queue;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Action<JobOutcome, RecordResult> _recorded;
    private readonly Channel<JobOutcome> _pending;

    /// <param name="backlog">
    /// Outcomes buffered, beyond the batch being written, before <see cref="AddAsync"/> waits (and so the runner
    /// keeps its slot): the backpressure that stops a consumer from claiming ever further ahead of what it can
    /// record when the database is slow, and so a bound on the finished runs a crash can leave to the rescuer.
    /// </param>
    /// <param name="recorded">Called once per outcome after its batch was written, found not ours, or given up on.</param>
    public JobCompleter(
        string queueName, JobQueue queue, int backlog, TimeProvider timeProvider, ILogger logger, Action<JobOutcome, RecordResult> recorded)
    {
        _pending = Channel.CreateBounded<JobOutcome>(
            new BoundedChannelOptions(backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _queueName = queueName;
        _queue = queue;
        _timeProvider = timeProvider;
        _logger = logger;
        _recorded = recorded;
    }

    /// <summary>Buffers an outcome; waits while the backlog is full.</summary>
    public ValueTask AddAsync(JobOutcome outcome) => _pending.Writer.WriteAsync(outcome, CancellationToken.None);

    /// <summary>No more outcomes will come: <see cref="RunAsync"/> writes what is buffered and returns.</summary>
    public void Complete() => _pending.Writer.TryComplete();

    /// <summary>Writes batches until <see cref="Complete"/> was called and the buffer is empty. Never throws.</summary>
    public async Task RunAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<JobOutcome>(MaxBatch);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            var written = await WriteAsync(batch);
            foreach (var outcome in batch)
            {
                _recorded(
                    outcome,
                    written is null ? RecordResult.Failed
                        : written.Contains(outcome.Job.Id) ? RecordResult.Written
                        : RecordResult.NotOwned);
            }
        }
    }

    /// <summary>
    /// One statement, retried a few times: a pooled connection the server dropped fails once and is replaced. Null
    /// when the database stays away; then the leases run out and the jobs run again elsewhere (at-least-once).
    /// </summary>
    private async Task<IReadOnlySet<Guid>?> WriteAsync(List<JobOutcome> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Not cancellable: a write cut short by shutdown is exactly the loss a graceful stop must avoid.
                var written = await _queue.RecordAsync(batch, CancellationToken.None);
                JobTelemetry.RecordBatch(_queueName, batch.Count);
                return written;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                if (attempt == WriteAttempts)
                {
                    LogWriteFailed(_logger, ex, batch.Count, _queueName);
                    return null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _timeProvider, CancellationToken.None);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the outcomes of {Count} jobs of queue {Queue}; their leases will expire and they will run again")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, string queue);
}
