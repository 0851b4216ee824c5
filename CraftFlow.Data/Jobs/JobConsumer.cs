using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// Runs one queue's jobs, up to <c>concurrency</c> at once, with three loops of its own:
/// <list type="bullet">
/// <item>the fetch loop claims, in one statement, as many jobs as it has room for: a job per slot plus
/// <see cref="JobQueueOptions.PrefetchPerSlot"/> more per slot, so the next jobs are claimed while the current ones
/// run and a freed slot starts its next job without a round trip. It then waits for a NOTIFY, a freed slot (when the
/// last claim filled up) or the poll interval;</item>
/// <item><c>concurrency</c> runners take claimed jobs in claim order and run them; a finished run frees its slot at
/// once and hands its outcome to the <see cref="JobCompleter"/>, which writes outcomes in batches;</item>
/// <item>the heartbeat extends the leases of every job the consumer holds (waiting, running, or its outcome not yet
/// written) and stops those that were cancelled or rescued meanwhile.</item>
/// </list>
/// On stop it claims nothing more, hands back the claimed jobs that have not started, lets the running ones finish
/// for the grace period, then cancels them and hands them back (attempts not counted), and writes every buffered
/// outcome before it returns.
/// </summary>
public sealed partial class JobConsumer
{
    private readonly string _queueName;
    private readonly int _concurrency;
    private readonly int _capacity;
    private readonly int _claimBatch;
    private readonly JobQueue _queue;
    private readonly JobNotificationListener? _listener;
    private readonly JobHandlerRegistry _handlers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly JobQueueOptions _options;
    private readonly JobCompleter _completer;
    private readonly WakeSignal _wake = new();

    // Every job claimed and not yet recorded: waiting for a runner, running, or its outcome buffered in the completer.
    private readonly ConcurrentDictionary<Guid, HeldJob> _held = new();

    // Claimed jobs in claim order; the runners read it. Unbounded, but never holds more than _capacity.
    private readonly Channel<HeldJob> _ready = Channel.CreateUnbounded<HeldJob>(new UnboundedChannelOptions { SingleWriter = true });

    // Held jobs waiting or running: what the next claim has room for is _capacity minus this.
    private int _claimed;
    private volatile bool _stopping;
    private volatile bool _moreMayBeWaiting;
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
        _capacity = concurrency * (1 + _options.PrefetchPerSlot);
        _claimBatch = Math.Max(1, _capacity / 2);
        _completer = new JobCompleter(queueName, queue, backlog: Math.Max(_capacity, JobCompleter.MaxBatch), timeProvider, logger, OnRecorded);
        WorkerId = $"{Environment.MachineName}:{Environment.ProcessId}:{queueName}:{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>Written to jobs.locked_by: which process and consumer holds a job.</summary>
    public string WorkerId { get; }

    public string QueueName => _queueName;

    /// <summary>True while the consumer's last claim found no more due jobs and it waits for a wake-up or the poll.</summary>
    public bool WaitingForWork => _waitingForWork;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        // Cancelled only after the grace period: what in-flight jobs see as "stop now".
        using var hardStop = new CancellationTokenSource();
        using var subscription = _listener?.Subscribe(_queueName, _wake);
        using var heartbeatStop = new CancellationTokenSource();
        Task heartbeat;
        Task recording;
        Task[] runners;

        // The loops are the consumer's own: the caller's activity and other async-locals do not flow into them, so a
        // run's span has the enqueuer's parent or none, never whatever happened to be current here.
        using (ExecutionContext.SuppressFlow())
        {
            heartbeat = Task.Run(() => HeartbeatLoopAsync(heartbeatStop.Token), CancellationToken.None);
            recording = Task.Run(_completer.RunAsync, CancellationToken.None);
            runners = [.. Enumerable.Range(0, _concurrency).Select(_ => Task.Run(() => RunnerLoopAsync(hardStop.Token), CancellationToken.None))];
        }

        LogStarted(_logger, _queueName, _concurrency, _capacity - _concurrency, WorkerId);
        while (!stoppingToken.IsCancellationRequested)
        {
            var room = _capacity - Volatile.Read(ref _claimed);
            if (ShouldClaim(room))
            {
                try
                {
                    // Not cancellable: a claim cut short after its UPDATE committed would strand the jobs until
                    // their lease ran out. It is one short statement; shutdown can wait for it.
                    var jobs = await _queue.ClaimAsync(_queueName, WorkerId, room, CancellationToken.None);
                    foreach (var job in jobs)
                    {
                        var held = new HeldJob(job, hardStop.Token);
                        _held[job.Id] = held;
                        Interlocked.Increment(ref _claimed);
                        _ready.Writer.TryWrite(held);
                    }

                    // A full claim suggests more are due: look again at once, and whenever a slot frees.
                    _moreMayBeWaiting = jobs.Count == room;
                    if (_moreMayBeWaiting)
                    {
                        continue;
                    }
                }
                catch (Exception ex)
                {
                    // Usually the database is away. Whatever it is, stopping the consumer would abandon the running
                    // jobs: keep them, log, and try again after a poll interval.
                    LogClaimFailed(_logger, ex, _queueName);
                }
            }
            else if (room < _capacity)
            {
                // Woken with too little room: jobs may be waiting, so the runners wake us when there is enough.
                _moreMayBeWaiting = true;
            }

            try
            {
                _waitingForWork = !_moreMayBeWaiting;
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

        _stopping = true;
        _ready.Writer.Complete();
        while (_ready.Reader.TryRead(out var unstarted))
        {
            await HandBackAsync(unstarted);
        }

        await DrainAsync(runners, hardStop);
        _completer.Complete();
        await recording;
        await heartbeatStop.CancelAsync();
        await heartbeat;
        LogStopped(_logger, _queueName, WorkerId);
    }

    /// <summary>
    /// Claim when a slot would otherwise sit idle (nothing claimed is waiting), or when there is room for half a
    /// full claim: jobs are claimed in batches, not one statement per freed slot, and a claim is under way while the
    /// prefetched jobs run.
    /// </summary>
    private bool ShouldClaim(int room) => room > 0 && (room >= _claimBatch || _ready.Reader.Count == 0);

    private async Task DrainAsync(Task[] runners, CancellationTokenSource hardStop)
    {
        var all = Task.WhenAll(runners);
        if (all.IsCompleted)
        {
            return;
        }

        LogDraining(_logger, _queueName, Volatile.Read(ref _claimed), _options.ShutdownGracePeriod.TotalSeconds);
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

    private async Task RunnerLoopAsync(CancellationToken hardStop)
    {
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (reader.TryRead(out var held))
            {
                if (_stopping)
                {
                    await HandBackAsync(held);
                    continue;
                }

                if (held.Lost)
                {
                    // Cancelled or rescued while it waited for a slot: it never starts here.
                    LogNoLongerOurs(_logger, held.Job.Kind, held.Job.Id);
                    Forget(held);
                    continue;
                }

                var outcome = await RunJobAsync(held, hardStop);
                if (outcome is null)
                {
                    Forget(held);
                }
                else
                {
                    await _completer.AddAsync(outcome);
                    Interlocked.Decrement(ref _claimed);
                }

                if (_moreMayBeWaiting && ShouldClaim(_capacity - Volatile.Read(ref _claimed)))
                {
                    _wake.Set();
                }
            }
        }
    }

    /// <summary>Runs the handler; the outcome to record, or null when the job stopped being ours and nothing may be written.</summary>
    private async Task<JobOutcome?> RunJobAsync(HeldJob held, CancellationToken hardStop)
    {
        var job = held.Job;
        held.RunStarted = _timeProvider.GetTimestamp();
        using var activity = JobTelemetry.StartRun(job);
        try
        {
            var handler = _handlers.Find(job.Kind)
                ?? throw new InvalidOperationException($"No handler for job kind '{job.Kind}' in queue '{job.Queue}'.");
            await handler.HandleAsync(job, held.Token);
            JobTelemetry.RecordRun(job, "succeeded", _timeProvider.GetElapsedTime(held.RunStarted));
            return _queue.Completed(job);
        }
        catch (OperationCanceledException) when (held.Lost)
        {
            JobTelemetry.RecordRun(job, "lost", _timeProvider.GetElapsedTime(held.RunStarted));
            LogNoLongerOurs(_logger, job.Kind, job.Id);
            return null;
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
            JobTelemetry.RecordRun(job, "released", _timeProvider.GetElapsedTime(held.RunStarted));
            return _queue.Released(job);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            JobTelemetry.RecordRun(job, "failed", _timeProvider.GetElapsedTime(held.RunStarted));
            var outcome = _queue.Failed(job, $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            if (outcome.Kind == JobOutcomeKind.Retrying)
            {
                LogRetrying(_logger, ex, job.Kind, job.Id, job.Attempt, job.MaxAttempts);
            }
            else
            {
                LogDiscarded(_logger, ex, job.Kind, job.Id, job.Attempt);
            }

            return outcome;
        }
    }

    /// <summary>A claimed job that will not run here (shutdown): back to available, its attempt not counted.</summary>
    private async Task HandBackAsync(HeldJob held)
    {
        if (held.Lost)
        {
            Forget(held);
            return;
        }

        await _completer.AddAsync(_queue.Released(held.Job));
        Interlocked.Decrement(ref _claimed);
    }

    /// <summary>A held job with nothing to write: drop it without recording.</summary>
    private void Forget(HeldJob held)
    {
        _held.TryRemove(new KeyValuePair<Guid, HeldJob>(held.Job.Id, held));
        held.Dispose();
        Interlocked.Decrement(ref _claimed);
    }

    private void OnRecorded(JobOutcome outcome, RecordResult result)
    {
        // Only this run's entry: after a rescue the same job can be claimed again while this outcome waited.
        var job = outcome.Job;
        if (_held.TryGetValue(job.Id, out var held) && ReferenceEquals(held.Job, job)
            && _held.TryRemove(new KeyValuePair<Guid, HeldJob>(job.Id, held)))
        {
            held.Dispose();
        }
        else
        {
            held = null;
        }

        switch (result)
        {
            case RecordResult.NotOwned:
                LogNoLongerOurs(_logger, job.Kind, job.Id);
                break;
            case RecordResult.Written when outcome.Kind == JobOutcomeKind.Completed:
                LogCompleted(_logger, job.Kind, job.Id, job.Attempt, held is null ? 0 : _timeProvider.GetElapsedTime(held.RunStarted).TotalMilliseconds);
                break;
            case RecordResult.Written when outcome.Kind == JobOutcomeKind.Released:
                LogReleased(_logger, job.Kind, job.Id);
                break;
            default:
                // Retries and discards were logged with their exception when the run failed; a failed write by the completer.
                break;
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var ids = _held.Keys.ToArray();
                if (ids.Length == 0)
                {
                    continue;
                }

                try
                {
                    var owned = await _queue.HeartbeatAsync(WorkerId, ids, stop);
                    foreach (var id in ids)
                    {
                        if (!owned.Contains(id) && _held.TryGetValue(id, out var held))
                        {
                            held.MarkLost();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer for queue {Queue} started with concurrency {Concurrency}, prefetching {Prefetch}, as {WorkerId}")]
    private static partial void LogStarted(ILogger logger, string queue, int concurrency, int prefetch, string workerId);

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

    /// <summary>A claimed job and the token its handler sees.</summary>
    private sealed class HeldJob : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private volatile bool _lost;

        public HeldJob(Job job, CancellationToken hardStop)
        {
            Job = job;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
        }

        public Job Job { get; }

        public CancellationToken Token => _cancellation.Token;

        /// <summary>When its handler started (a <see cref="TimeProvider"/> timestamp).</summary>
        public long RunStarted { get; set; }

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
                // Recorded between the heartbeat and now.
            }
        }

        public void Dispose() => _cancellation.Dispose();
    }
}
