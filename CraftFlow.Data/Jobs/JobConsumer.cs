using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// Runs one queue's jobs with up to <c>concurrency</c> at once. It claims as many jobs as it has free slots in one
/// statement, then waits for a NOTIFY, a finished job or the poll interval. A heartbeat extends the leases of the
/// jobs it runs and stops those that were cancelled or rescued meanwhile. On stop it claims nothing more, lets the
/// running jobs finish for the grace period, then cancels them and hands them back without counting the attempt.
/// </summary>
public sealed partial class JobConsumer
{
    private const int OutcomeWriteAttempts = 3;

    private readonly string _queueName;
    private readonly int _concurrency;
    private readonly JobQueue _queue;
    private readonly JobNotificationListener? _listener;
    private readonly JobHandlerRegistry _handlers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly JobQueueOptions _options;
    private readonly ConcurrentDictionary<Guid, RunningJob> _running = new();
    private readonly WakeSignal _wake = new();

    // Successful runs wait here to be marked completed together: while one UPDATE commits, the next batch gathers,
    // so a busy consumer pays one commit per batch rather than per job.
    private readonly Channel<(RunningJob Job, long Started)> _completions =
        Channel.CreateUnbounded<(RunningJob Job, long Started)>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _waitingForWork;

    public JobConsumer(
        string queueName, int concurrency, JobQueue queue, JobNotificationListener? listener, JobHandlerRegistry handlers,
        TimeProvider timeProvider, ILogger<JobConsumer> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _queueName = queueName;
        _concurrency = concurrency;
        _queue = queue;
        _listener = listener;
        _handlers = handlers;
        _timeProvider = timeProvider;
        _logger = logger;
        _options = queue.Options;
        WorkerId = $"{Environment.MachineName}:{Environment.ProcessId}:{queueName}:{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>Written to jobs.locked_by: which process and consumer holds a job.</summary>
    public string WorkerId { get; }

    public string QueueName => _queueName;

    /// <summary>True while the consumer found nothing to claim and waits for a wake-up or the poll.</summary>
    public bool WaitingForWork => _waitingForWork;

    public int RunningCount => _running.Count;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        // Cancelled only after the grace period: what in-flight jobs see as "stop now".
        using var hardStop = new CancellationTokenSource();
        using var subscription = _listener?.Subscribe(_queueName, _wake);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(heartbeatStop.Token);
        var completer = CompleterLoopAsync();

        LogStarted(_logger, _queueName, _concurrency, WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = _concurrency - _running.Count;
            var claimedAll = false;
            if (free > 0)
            {
                try
                {
                    // Not cancellable: a claim cut short after its UPDATE committed would strand the jobs until
                    // their lease ran out. It is one short statement; shutdown can wait for it.
                    var jobs = await _queue.ClaimAsync(_queueName, WorkerId, free, CancellationToken.None);
                    foreach (var job in jobs)
                    {
                        var running = new RunningJob(job, hardStop.Token);
                        _running[job.Id] = running;
                        _ = Task.Run(() => RunJobAsync(running, hardStop.Token), CancellationToken.None);
                    }

                    claimedAll = jobs.Count == free;
                }
                catch (Exception ex)
                {
                    // Usually the database is away. Whatever it is, stopping the consumer would abandon the running
                    // jobs: keep them, log, and try again after a poll interval.
                    LogClaimFailed(_logger, ex, _queueName);
                }
            }

            if (claimedAll)
            {
                // More may be waiting; the next round finds the slots full and waits for one to free.
                continue;
            }

            try
            {
                _waitingForWork = free > 0;
                await _wake.WaitAsync(_options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                _waitingForWork = false;
            }
        }

        await DrainAsync(hardStop);
        _completions.Writer.Complete();
        await completer;
        await heartbeatStop.CancelAsync();
        await heartbeat;
        LogStopped(_logger, _queueName, WorkerId);
    }

    private async Task DrainAsync(CancellationTokenSource hardStop)
    {
        var inFlight = _running.Values.Select(r => r.Finished).ToArray();
        if (inFlight.Length == 0)
        {
            return;
        }

        LogDraining(_logger, _queueName, inFlight.Length, _options.ShutdownGracePeriod.TotalSeconds);
        var all = Task.WhenAll(inFlight);
        try
        {
            await all.WaitAsync(_options.ShutdownGracePeriod, _timeProvider);
        }
        catch (TimeoutException)
        {
            await hardStop.CancelAsync();
            await all;
        }
    }

    private async Task RunJobAsync(RunningJob running, CancellationToken hardStop)
    {
        var job = running.Job;
        var handedOff = false;
        try
        {
            var started = _timeProvider.GetTimestamp();
            Exception? failure = null;
            using var activity = JobTelemetry.StartRun(job);
            try
            {
                var handler = _handlers.Find(job.Kind)
                    ?? throw new InvalidOperationException($"No handler for job kind '{job.Kind}' in queue '{job.Queue}'.");
                await handler.HandleAsync(job, running.Token);
                JobTelemetry.RecordRun(job, "succeeded", _timeProvider.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (running.Lost)
            {
                JobTelemetry.RecordRun(job, "lost", _timeProvider.GetElapsedTime(started));
                LogNoLongerOurs(_logger, job.Kind, job.Id);
                return;
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                JobTelemetry.RecordRun(job, "released", _timeProvider.GetElapsedTime(started));
                await RecordAsync(job.Id, async () =>
                {
                    await _queue.ReleaseAsync(job, CancellationToken.None);
                    LogReleased(_logger, job.Kind, job.Id);
                });
                return;
            }
            catch (Exception ex)
            {
                failure = ex;
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
                JobTelemetry.RecordRun(job, "failed", _timeProvider.GetElapsedTime(started));
            }

            if (failure is null)
            {
                handedOff = _completions.Writer.TryWrite((running, started));
                if (!handedOff)
                {
                    // Only after shutdown closed the channel, which waits for running jobs first; kept for safety.
                    await RecordAsync(job.Id, () => _queue.CompleteAsync(job, CancellationToken.None));
                }
            }
            else
            {
                await RecordAsync(job.Id, async () =>
                {
                    var error = $"{failure.GetType().Name}: {failure.Message}\n{failure.StackTrace}";
                    switch (await _queue.FailAsync(job, error, CancellationToken.None))
                    {
                        case FailureOutcome.Retrying:
                            LogRetrying(_logger, failure, job.Kind, job.Id, job.Attempt, job.MaxAttempts);
                            break;
                        case FailureOutcome.Discarded:
                            LogDiscarded(_logger, failure, job.Kind, job.Id, job.Attempt);
                            break;
                        default:
                            LogNoLongerOurs(_logger, job.Kind, job.Id);
                            break;
                    }
                });
            }
        }
        finally
        {
            if (!handedOff)
            {
                Finish(running);
            }
        }
    }

    /// <summary>Frees the job's slot once its outcome is written.</summary>
    private void Finish(RunningJob running)
    {
        _running.TryRemove(running.Job.Id, out _);
        running.Dispose();
        _wake.Set();
        running.MarkFinished();
    }

    private async Task CompleterLoopAsync()
    {
        const int MaxBatch = 1000;
        var batch = new List<(RunningJob Job, long Started)>();
        var reader = _completions.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            IReadOnlySet<Guid>? completed = null;
            await RecordAsync(batch[0].Job.Job.Id, async () =>
                completed = await _queue.CompleteManyAsync(WorkerId, batch.Select(b => b.Job.Job.Id).ToList(), CancellationToken.None));
            foreach (var (running, started) in batch)
            {
                var job = running.Job;
                if (completed is null)
                {
                    // The write failed even after retries: logged by RecordAsync; the lease will expire.
                }
                else if (completed.Contains(job.Id))
                {
                    LogCompleted(_logger, job.Kind, job.Id, job.Attempt, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    LogNoLongerOurs(_logger, job.Kind, job.Id);
                }

                Finish(running);
            }
        }
    }

    /// <summary>
    /// Writes a job's outcome, retrying a few times: a pooled connection the server dropped fails once and is
    /// replaced. If the database stays away the lease runs out and the job runs again elsewhere (at-least-once).
    /// </summary>
    private async Task RecordAsync(Guid jobId, Func<Task> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
            {
                if (attempt == OutcomeWriteAttempts)
                {
                    LogWriteFailed(_logger, ex, jobId);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), _timeProvider, CancellationToken.None);
            }
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var ids = _running.Keys.ToArray();
                if (ids.Length == 0)
                {
                    continue;
                }

                try
                {
                    var owned = await _queue.HeartbeatAsync(WorkerId, ids, stop);
                    foreach (var id in ids)
                    {
                        if (!owned.Contains(id) && _running.TryGetValue(id, out var running))
                        {
                            running.MarkLost();
                        }
                    }
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    // One missed beat is harmless: the lease is several beats long.
                    LogHeartbeatFailed(_logger, ex, _queueName);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer for queue {Queue} started with concurrency {Concurrency} as {WorkerId}")]
    private static partial void LogStarted(ILogger logger, string queue, int concurrency, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer for queue {Queue} stopped ({WorkerId})")]
    private static partial void LogStopped(ILogger logger, string queue, string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} stopping: waiting up to {GraceSeconds} s for {Count} running jobs")]
    private static partial void LogDraining(ILogger logger, string queue, int count, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Kind} {JobId} completed on attempt {Attempt} in {ElapsedMs:0.0} ms")]
    private static partial void LogCompleted(ILogger logger, string kind, Guid jobId, int attempt, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Kind} {JobId} failed on attempt {Attempt} of {MaxAttempts}; will retry")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string kind, Guid jobId, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Kind} {JobId} failed on its last attempt {Attempt}; discarded")]
    private static partial void LogDiscarded(ILogger logger, Exception exception, string kind, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Kind} {JobId} was cancelled or its lease lost; its result is dropped")]
    private static partial void LogNoLongerOurs(ILogger logger, string kind, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Kind} {JobId} released for another worker (shutdown)")]
    private static partial void LogReleased(ILogger logger, string kind, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim jobs from queue {Queue}; retrying after the poll interval")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat for queue {Queue} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the outcome of job {JobId}; its lease will expire and it will run again")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, Guid jobId);

    /// <summary>A claimed job and the token its handler sees.</summary>
    private sealed class RunningJob : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _lost;

        public RunningJob(Job job, CancellationToken hardStop)
        {
            Job = job;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
        }

        public Job Job { get; }

        public CancellationToken Token => _cancellation.Token;

        /// <summary>Cancelled, or rescued for another worker: whatever the handler does now must not be recorded.</summary>
        public bool Lost => _lost;

        public void MarkLost()
        {
            _lost = true;
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The job finished between the heartbeat and now.
            }
        }

        /// <summary>Completes when the outcome is recorded; what shutdown waits for. Never faults.</summary>
        public Task Finished => _finished.Task;

        public void MarkFinished() => _finished.TrySetResult();

        public void Dispose() => _cancellation.Dispose();
    }
}
