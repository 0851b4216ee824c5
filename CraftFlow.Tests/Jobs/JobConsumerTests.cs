using System.Collections.Concurrent;
using System.Diagnostics;
using CraftFlow.Data.Jobs;
using CraftFlow.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CraftFlow.Tests.Jobs;

/// <summary>Consumers running real jobs on the real clock, with timings shrunk to milliseconds.</summary>
public sealed class JobConsumerTests(JobQueueFixture database) : IClassFixture<JobQueueFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static NewJob Job(string kind) => new(JobQueues.ImageProcessing, kind, "{}");

    [Fact]
    public async Task Every_job_runs_exactly_once_across_many_competing_consumers()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        var runs = new ConcurrentDictionary<Guid, int>();
        var handler = new DelegateJobHandler("count", (job, _) =>
        {
            runs.AddOrUpdate(job.Id, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        });
        const int jobCount = 400;
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await queue.EnqueueManyAsync(connection, null, [.. Enumerable.Range(0, jobCount).Select(_ => Job("count"))], CancellationToken.None);
        }

        using var stop = new CancellationTokenSource();
        var consumers = Enumerable.Range(0, 4)
            .Select(_ => database.CreateConsumer(queue, JobQueues.ImageProcessing, concurrency: 3, listener: null, handler))
            .Select(consumer => consumer.RunAsync(stop.Token))
            .ToList();

        await Eventually.UntilAsync(() => database.CountAsync("state = 'completed'"), n => n == jobCount, Deadline, "all jobs completed");
        await stop.CancelAsync();
        await Task.WhenAll(consumers);

        Assert.Equal(jobCount, runs.Count);
        Assert.All(runs.Values, count => Assert.Equal(1, count));
        Assert.Equal(jobCount, await database.CountAsync("attempt = 1 AND finished_at IS NOT NULL AND locked_by IS NULL"));
    }

    [Fact]
    public async Task Notify_wakes_an_idle_consumer_long_before_its_one_minute_poll()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o => o.PollInterval = TimeSpan.FromMinutes(1));
        var ran = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateJobHandler("wake", (_, _) =>
        {
            ran.TrySetResult(DateTimeOffset.UtcNow);
            return Task.CompletedTask;
        });
        var listener = database.CreateListener();
        var consumer = database.CreateConsumer(queue, JobQueues.ImageProcessing, concurrency: 1, listener, handler);
        using var stop = new CancellationTokenSource();
        var listening = listener.RunAsync(stop.Token);
        var consuming = consumer.RunAsync(stop.Token);

        // Idle: listening, and its last claim found nothing, so only a wake-up or the 1-minute poll makes it look again.
        await Eventually.UntilAsync(() => Task.FromResult(listener.IsListening && consumer.WaitingForWork), idle => idle, Deadline, "an idle consumer");
        var enqueuedAt = DateTimeOffset.UtcNow;
        await queue.EnqueueAsync(Job("wake"), CancellationToken.None);

        var ranAt = await ran.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(ranAt - enqueuedAt < TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Task.WhenAll(listening, consuming);
    }

    [Fact]
    public async Task Listener_reconnects_after_its_connection_is_killed_and_notify_works_again()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o => o.PollInterval = TimeSpan.FromMinutes(1));
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateJobHandler("wake", (_, _) =>
        {
            ran.TrySetResult();
            return Task.CompletedTask;
        });
        var listener = database.CreateListener();
        var consumer = database.CreateConsumer(queue, JobQueues.ImageProcessing, concurrency: 1, listener, handler);
        using var stop = new CancellationTokenSource();
        var listening = listener.RunAsync(stop.Token);
        var consuming = consumer.RunAsync(stop.Token);
        await Eventually.UntilAsync(() => Task.FromResult(listener.IsListening), up => up, Deadline, "the listener up");

        await database.Server.ExecuteAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database.DatabaseName}' AND query LIKE 'LISTEN%'");
        await Eventually.UntilAsync(() => Task.FromResult(listener.IsListening), up => !up, Deadline, "the listener to notice");
        await Eventually.UntilAsync(() => Task.FromResult(listener.IsListening && consumer.WaitingForWork), up => up, Deadline, "the listener back and the consumer idle");

        await queue.EnqueueAsync(Job("wake"), CancellationToken.None);

        await ran.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Task.WhenAll(listening, consuming);
    }

    [Fact]
    public async Task Failing_job_is_retried_with_backoff_then_discarded_after_its_last_attempt_with_the_error_kept()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.BaseBackoff = TimeSpan.FromMilliseconds(5);
            o.PollInterval = TimeSpan.FromMilliseconds(20);
        });
        var attempts = new ConcurrentBag<int>();
        var handler = new DelegateJobHandler("fail", (job, _) =>
        {
            attempts.Add(job.Attempt);
            throw new InvalidOperationException($"boom on attempt {job.Attempt}");
        });
        var id = (await queue.EnqueueAsync(Job("fail"), CancellationToken.None)).JobId;
        using var stop = new CancellationTokenSource();
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 2, null, handler).RunAsync(stop.Token);

        var job = await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None), j => j!.State == JobState.Discarded, Deadline, "the job discarded");
        await stop.CancelAsync();
        await consuming;

        Assert.Equal([1, 2, 3, 4], attempts.Order());
        Assert.Equal(4, job!.Attempt);
        Assert.StartsWith("InvalidOperationException: boom on attempt 4", job.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_claimed_by_a_worker_that_died_is_completed_by_another_after_the_lease_expires()
    {
        await database.ResetAsync();
        // The lease is written at claim time, so the dead worker claims under a short one and the survivor under a
        // long one: CI once stalled the survivor past a 500 ms lease between its claim and its completion, and the
        // rescuer rightly ran the job a third time.
        var deadQueue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.LeaseDuration = TimeSpan.FromMilliseconds(300);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        });
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(30);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.RescueInterval = TimeSpan.FromMilliseconds(100);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        });
        var id = (await queue.EnqueueAsync(Job("survive"), CancellationToken.None)).JobId;

        // The "dead" worker: claims, then never heartbeats, completes or fails, as if its process was killed.
        var dead = Assert.Single(await deadQueue.ClaimAsync(JobQueues.ImageProcessing, "dead-worker", 1, CancellationToken.None));
        Assert.Equal(id, dead.Id);

        var runs = new ConcurrentBag<int>();
        var handler = new DelegateJobHandler("survive", (job, _) =>
        {
            runs.Add(job.Attempt);
            return Task.CompletedTask;
        });
        var rescuer = new JobRescuer(queue, null, TimeProvider.System, NullLogger<JobRescuer>.Instance);
        using var stop = new CancellationTokenSource();
        var rescuing = rescuer.RunAsync(stop.Token);
        var consumer = database.CreateConsumer(queue, JobQueues.ImageProcessing, 1, null, handler);
        var consuming = consumer.RunAsync(stop.Token);

        var job = await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None), j => j!.State == JobState.Completed, Deadline, "the job completed by the survivor");
        await stop.CancelAsync();
        await Task.WhenAll(rescuing, consuming);

        Assert.Equal([2], runs);
        Assert.Equal(2, job!.Attempt);
        Assert.Contains("dead-worker", job.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_job_keeps_its_lease_by_heartbeat_while_the_rescuer_runs()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            // Thirty beats per lease: under the whole suite on two cores, CI once saw beats stall for about a second,
            // which cost a 1 s lease; a stall must not cost the lease.
            o.LeaseDuration = TimeSpan.FromMilliseconds(3000);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.RescueInterval = TimeSpan.FromMilliseconds(50);
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var handler = new DelegateJobHandler("long", async (_, ct) =>
        {
            Interlocked.Increment(ref runs);
            await release.Task.WaitAsync(ct);
        });
        var id = (await queue.EnqueueAsync(Job("long"), CancellationToken.None)).JobId;
        using var stop = new CancellationTokenSource();
        var rescuing = new JobRescuer(queue, null, TimeProvider.System, NullLogger<JobRescuer>.Instance).RunAsync(stop.Token);
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 1, null, handler).RunAsync(stop.Token);

        // More than a lease length passes (the lease was extended many times) while the job still runs on its first attempt.
        var firstLease = (await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None), j => j!.State == JobState.Running, Deadline, "the job running"))!.LeaseExpiresAt!.Value;
        await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None),
            j => j!.LeaseExpiresAt > firstLease + TimeSpan.FromMilliseconds(3500),
            Deadline,
            "the lease extended past a lease length");
        release.SetResult();
        var job = await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None), j => j!.State == JobState.Completed, Deadline, "the job completed");
        await stop.CancelAsync();
        await Task.WhenAll(rescuing, consuming);

        Assert.Equal(1, runs);
        Assert.Equal(1, job!.Attempt);
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_its_handler_at_the_next_heartbeat()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.LeaseDuration = TimeSpan.FromSeconds(10);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stoppedByCancellation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateJobHandler("cancel-me", async (_, ct) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                stoppedByCancellation.SetResult();
                throw;
            }
        });
        var id = (await queue.EnqueueAsync(Job("cancel-me"), CancellationToken.None)).JobId;
        using var stop = new CancellationTokenSource();
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 1, null, handler).RunAsync(stop.Token);
        await started.Task.WaitAsync(Deadline);

        Assert.True(await queue.CancelAsync(id, CancellationToken.None));
        await stoppedByCancellation.Task.WaitAsync(Deadline);
        await stop.CancelAsync();
        await consuming;

        var job = (await queue.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(JobState.Cancelled, job.State);
        Assert.Null(job.LastError);
    }

    [Fact]
    public async Task Shutdown_lets_jobs_finish_within_the_grace_period_and_releases_the_rest_without_counting_the_attempt()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(300));
        var bothStarted = new CountdownEvent(2);
        using var stop = new CancellationTokenSource();
        var quick = new DelegateJobHandler("quick", async (_, _) =>
        {
            bothStarted.Signal();
            // Finishes only once shutdown has begun: proves a running job may complete during the grace period.
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var stuck = new DelegateJobHandler("stuck", async (_, ct) =>
        {
            bothStarted.Signal();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var quickId = (await queue.EnqueueAsync(Job("quick"), CancellationToken.None)).JobId;
        var stuckId = (await queue.EnqueueAsync(Job("stuck"), CancellationToken.None)).JobId;
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 2, null, quick, stuck).RunAsync(stop.Token);
        await Eventually.UntilAsync(() => Task.FromResult(bothStarted.IsSet), set => set, Deadline, "both jobs running");

        await stop.CancelAsync();
        await consuming.WaitAsync(Deadline);

        Assert.Equal(JobState.Completed, (await queue.GetAsync(quickId, CancellationToken.None))!.State);
        var released = (await queue.GetAsync(stuckId, CancellationToken.None))!;
        Assert.Equal((JobState.Available, 0, null), (released.State, released.Attempt, released.LockedBy));
    }

    [Fact]
    public async Task Every_job_completes_when_the_database_drops_every_connection_mid_run()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.LeaseDuration = TimeSpan.FromSeconds(2);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.RescueInterval = TimeSpan.FromMilliseconds(200);
        });
        const int jobCount = 300;
        var runs = new ConcurrentDictionary<Guid, int>();
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateJobHandler("count", async (job, ct) =>
        {
            if (runs.AddOrUpdate(job.Id, 1, (_, n) => n + 1) == 1 && runs.Count == jobCount / 2)
            {
                halfway.TrySetResult();
            }

            await Task.Yield();
        });
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            await queue.EnqueueManyAsync(connection, null, [.. Enumerable.Range(0, jobCount).Select(_ => Job("count"))], CancellationToken.None);
        }

        var listener = database.CreateListener();
        using var stop = new CancellationTokenSource();
        var tasks = new List<Task>
        {
            listener.RunAsync(stop.Token),
            new JobRescuer(queue, listener, TimeProvider.System, NullLogger<JobRescuer>.Instance).RunAsync(stop.Token),
        };
        tasks.AddRange(Enumerable.Range(0, 2).Select(_ => database.CreateConsumer(queue, JobQueues.ImageProcessing, 4, listener, handler).RunAsync(stop.Token)));

        await halfway.Task.WaitAsync(Deadline);
        await database.Server.ExecuteAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database.DatabaseName}'");

        // Probe on unpooled connections: the test's own pool lost its connections too.
        await Eventually.UntilAsync(CountCompletedUnpooledAsync, n => n == jobCount, Deadline, "all jobs completed after the connections dropped");
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        // At least once: a run whose completion was lost with its connection runs again; none is lost.
        Assert.Equal(jobCount, runs.Count);
    }

    [Fact]
    public async Task Stopping_writes_the_outcomes_still_buffered_before_the_consumer_returns_in_one_statement_per_batch()
    {
        await database.ResetAsync();
        // One slot, and room to claim and buffer every quick job behind the gate (the backlog is as big as the room).
        const int quickCount = 20;
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.PrefetchPerSlot = quickCount;
        });
        var gateStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gateMayReturn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var quickMayRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var quickRuns = 0;
        var gate = new DelegateJobHandler("gate", async (_, _) =>
        {
            gateStarted.TrySetResult();
            await gateMayReturn.Task;
        });
        var quick = new DelegateJobHandler("quick", async (_, _) =>
        {
            await quickMayRun.Task;
            Interlocked.Increment(ref quickRuns);
        });
        var gateId = (await queue.EnqueueAsync(Job("gate"), CancellationToken.None)).JobId;
        await using (var connection = await database.DataSource.OpenConnectionAsync())
        {
            // Priority 1: claimed and run after the gate.
            await queue.EnqueueManyAsync(
                connection, null, [.. Enumerable.Range(0, quickCount).Select(_ => Job("quick") with { Priority = 1 })], CancellationToken.None);
        }

        using var stop = new CancellationTokenSource();
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 1, null, gate, quick).RunAsync(stop.Token);
        await gateStarted.Task.WaitAsync(Deadline);

        await using (var blocker = await database.DataSource.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            // The gate's row is held, so the statement that writes the gate's outcome (alone: the quick jobs wait for
            // it) waits, and every outcome after it stays in the buffer: the runs are over, their rows say running.
            await LockRowAsync(blocker, transaction, gateId);
            gateMayReturn.SetResult();
            await WaitForBlockedRecordAsync();
            quickMayRun.SetResult();
            await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref quickRuns)), n => n == quickCount, Deadline, "every quick job run");
            Assert.Equal(quickCount + 1, await database.CountAsync("state = 'running'"));

            await stop.CancelAsync();
            Assert.False(consuming.IsCompleted);
            await transaction.RollbackAsync();
        }

        await consuming.WaitAsync(Deadline);

        // Written by the time the consumer returned, by two statements: the gate's, then the buffered rest (the rows
        // one UPDATE changed share its transaction id).
        Assert.Equal(quickCount + 1, await database.CountAsync("state = 'completed' AND attempt = 1 AND locked_by IS NULL"));
        Assert.Equal(2, await database.ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM jobs"));
    }

    [Fact]
    public async Task Worker_that_dies_with_its_completion_buffered_leaves_the_job_running_for_the_rescuer_and_it_runs_again()
    {
        await database.ResetAsync();
        static void Timings(JobQueueOptions o)
        {
            o.LeaseDuration = TimeSpan.FromSeconds(1);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.RescueInterval = TimeSpan.FromMilliseconds(100);
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        }

        // The doomed worker has connections of its own; when it "dies" they drop and no new one opens, as if its
        // process had gone: nothing it still holds in memory can reach the database.
        const string doomedName = "doomed-worker";
        var dead = false;
        var doomedBuilder = new NpgsqlDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = doomedName }.ConnectionString);
        doomedBuilder.UsePhysicalConnectionInitializer(
            _ => ThrowIfDead(),
            _ =>
            {
                ThrowIfDead();
                return Task.CompletedTask;
            });
        await using var doomedSource = doomedBuilder.Build();
        var doomedQueue = database.CreateQueue(TimeProvider.System, Timings, doomedSource);

        // The survivor claims under a long lease: a stall between its claim and its completion must not hand the job
        // to a third run (the lease is written at claim time).
        var queue = database.CreateQueue(TimeProvider.System, o =>
        {
            Timings(o);
            o.LeaseDuration = TimeSpan.FromSeconds(30);
        });
        var id = (await queue.EnqueueAsync(Job("fragile"), CancellationToken.None)).JobId;

        var runs = new ConcurrentQueue<(string Worker, int Attempt)>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mayReturn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomed = database.CreateConsumer(doomedQueue, JobQueues.ImageProcessing, 1, null, new DelegateJobHandler("fragile", async (job, _) =>
        {
            runs.Enqueue(("doomed", job.Attempt));
            started.TrySetResult();
            await mayReturn.Task;
        }));
        using var doomedStop = new CancellationTokenSource();
        var doomedRun = doomed.RunAsync(doomedStop.Token);
        await started.Task.WaitAsync(Deadline);

        await using (var blocker = await database.DataSource.OpenConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            // The run returns, and its completion waits on the held row: buffered, not written, when the process dies.
            await LockRowAsync(blocker, transaction, id);
            mayReturn.SetResult();
            await WaitForBlockedRecordAsync();
            Volatile.Write(ref dead, true);
            await database.Server.ExecuteAsync(
                $"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{database.DatabaseName}' AND application_name = '{doomedName}'");
            await transaction.RollbackAsync();
        }

        // What is left of the dead worker gives up writing (its retries cannot connect) without changing the row.
        await doomedStop.CancelAsync();
        await doomedRun.WaitAsync(Deadline);
        var orphan = (await queue.GetAsync(id, CancellationToken.None))!;
        Assert.Equal((JobState.Running, 1, doomed.WorkerId), (orphan.State, orphan.Attempt, orphan.LockedBy));

        using var stop = new CancellationTokenSource();
        var rescuing = new JobRescuer(queue, null, TimeProvider.System, NullLogger<JobRescuer>.Instance).RunAsync(stop.Token);
        var consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 1, null, new DelegateJobHandler("fragile", (job, _) =>
        {
            runs.Enqueue(("survivor", job.Attempt));
            return Task.CompletedTask;
        })).RunAsync(stop.Token);
        var job = await Eventually.UntilAsync(
            () => queue.GetAsync(id, CancellationToken.None), j => j!.State == JobState.Completed, Deadline, "the job completed by the survivor");
        await stop.CancelAsync();
        await Task.WhenAll(rescuing, consuming);

        // Run again once, by the rescuer's grace; the lost completion was never applied, so nothing counts twice.
        Assert.Equal([("doomed", 1), ("survivor", 2)], runs);
        Assert.Equal(2, job!.Attempt);
        Assert.Contains(doomed.WorkerId, job.LastError, StringComparison.Ordinal);

        void ThrowIfDead()
        {
            if (Volatile.Read(ref dead))
            {
                throw new NpgsqlException("The worker's process is gone.");
            }
        }
    }

    [Fact]
    public async Task Job_enqueued_inside_an_activity_runs_in_a_child_span_of_its_trace_and_one_without_a_trace_context_in_a_trace_of_its_own()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(TimeProvider.System, o => o.PollInterval = TimeSpan.FromMilliseconds(50));
        using var source = new ActivitySource("CraftFlow.Tests.Jobs");
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == JobTelemetry.Name || s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);

        Guid traced;
        ActivityContext request;
        using (var activity = source.StartActivity("POST /api/designs", ActivityKind.Server)!)
        {
            activity.TraceStateString = "craftflow=upload";
            request = activity.Context;
            traced = (await queue.EnqueueAsync(Job("traced"), CancellationToken.None)).JobId;
        }

        // As if enqueued where nothing was traced (or before the column existed).
        var untraced = (await queue.EnqueueAsync(Job("traced"), CancellationToken.None)).JobId;
        await database.ExecuteAsync($"UPDATE jobs SET trace_context = NULL WHERE id = '{untraced}'");
        using var stop = new CancellationTokenSource();
        Task consuming;
        ActivityTraceId hostTrace;
        using (var host = source.StartActivity("worker host")!)
        {
            // Whatever is current where the consumer starts must not become the runs' parent.
            hostTrace = host.TraceId;
            consuming = database.CreateConsumer(queue, JobQueues.ImageProcessing, 2, null, new DelegateJobHandler("traced", (_, _) => Task.CompletedTask))
                .RunAsync(stop.Token);
        }

        var runs = await Eventually.UntilAsync(
            () => Task.FromResult(stopped.Where(a => a.OperationName == "job traced").ToDictionary(a => (Guid)a.GetTagItem("craftflow.job.id")!)),
            found => found.ContainsKey(traced) && found.ContainsKey(untraced),
            Deadline,
            "both runs' spans");
        await stop.CancelAsync();
        await consuming;

        var enqueue = Assert.Single(stopped, a => a.OperationName == $"enqueue {JobQueues.ImageProcessing}" && a.ParentSpanId == request.SpanId);
        Assert.Equal(ActivityKind.Producer, enqueue.Kind);
        var run = runs[traced];
        Assert.Equal((request.TraceId, enqueue.SpanId, ActivityKind.Consumer), (run.TraceId, run.ParentSpanId, run.Kind));
        Assert.Equal("craftflow=upload", run.TraceStateString);

        var lone = runs[untraced];
        Assert.Equal(default, lone.ParentSpanId);
        Assert.NotEqual(request.TraceId, lone.TraceId);
        Assert.NotEqual(hostTrace, lone.TraceId);
    }

    private static async Task LockRowAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Until a consumer's statement that records outcomes is waiting for a row lock in this class's database.</summary>
    private Task<long> WaitForBlockedRecordAsync()
        => Eventually.UntilAsync(
            () => database.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE jobs AS j%'"),
            n => n >= 1,
            Deadline,
            "the outcomes' UPDATE waiting on the held row");

    private async Task<long> CountCompletedUnpooledAsync()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE state = 'completed'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
