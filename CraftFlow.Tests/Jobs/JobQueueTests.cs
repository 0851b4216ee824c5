using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace CraftFlow.Tests.Jobs;

/// <summary>The queue's statements one at a time, with a fake clock: exact schedules, no waiting.</summary>
public sealed class JobQueueTests(JobQueueFixture database) : IClassFixture<JobQueueFixture>
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static NewJob Job(string kind = "test", string queue = JobQueues.Maintenance) => new(queue, kind, "{}");

    [Fact]
    public async Task Job_enqueued_in_a_rolled_back_transaction_does_not_exist_and_in_a_committed_one_does()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);

        Guid rolledBack;
        await using (var db = database.CreateDbContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var user = new User { Email = "a@example.com", PasswordHash = "x" };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            rolledBack = (await queue.EnqueueAsync(db, Job() with { UserId = user.Id }, CancellationToken.None)).JobId;
            await transaction.RollbackAsync();
        }

        Guid committed;
        await using (var db = database.CreateDbContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var user = new User { Email = "b@example.com", PasswordHash = "x" };
            db.Users.Add(user);
            db.UploadBatches.Add(new UploadBatch { UserId = user.Id, TotalFiles = 1 });
            await db.SaveChangesAsync();
            committed = (await queue.EnqueueAsync(db, Job() with { UserId = user.Id }, CancellationToken.None)).JobId;
            await transaction.CommitAsync();
        }

        Assert.Null(await queue.GetAsync(rolledBack, CancellationToken.None));
        var job = await queue.GetAsync(committed, CancellationToken.None);
        Assert.NotNull(job);
        Assert.Equal(JobState.Available, job.State);
        Assert.Equal(4, job.MaxAttempts);
        Assert.Equal(_time.GetUtcNow(), job.RunAt);
        await using var check = database.CreateDbContext();
        Assert.Equal(1, await check.UploadBatches.CountAsync());

        // A user sees their own job and nobody else's.
        Assert.NotNull(await queue.GetForUserAsync(committed, job.UserId!.Value, CancellationToken.None));
        Assert.Null(await queue.GetForUserAsync(committed, Guid.CreateVersion7(), CancellationToken.None));
    }

    [Fact]
    public async Task Many_jobs_are_inserted_by_one_call_in_input_order()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var jobs = Enumerable.Range(0, 1000).Select(i => Job() with { Priority = (short)(i % 3) }).ToList();

        await using var connection = await database.DataSource.OpenConnectionAsync();
        var results = await queue.EnqueueManyAsync(connection, null, jobs, CancellationToken.None);

        Assert.Equal(jobs.Select(j => j.Id), results.Select(r => r.JobId));
        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal(1000, await database.CountAsync("state = 'available'"));
    }

    [Fact]
    public async Task Second_job_with_a_pending_unique_key_returns_the_existing_id_without_breaking_the_transaction()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var first = await queue.EnqueueAsync(Job() with { UniqueKey = "refresh:1" }, CancellationToken.None);

        await using (var connection = await database.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var again = await queue.EnqueueAsync(connection, transaction, Job() with { UniqueKey = "refresh:1" }, CancellationToken.None);
            Assert.Equal(new EnqueueResult(first.JobId, Duplicate: true), again);

            // The duplicate did not abort the transaction: later work in it still commits.
            var other = await queue.EnqueueAsync(connection, transaction, Job() with { UniqueKey = "refresh:2" }, CancellationToken.None);
            Assert.False(other.Duplicate);
            await transaction.CommitAsync();
        }

        // Duplicates inside one batch collapse onto the first.
        var batch = await queue.EnqueueManyAsync(
            await database.DataSource.OpenConnectionAsync(), null,
            [Job() with { UniqueKey = "refresh:3" }, Job() with { UniqueKey = "refresh:3" }], CancellationToken.None);
        Assert.False(batch[0].Duplicate);
        Assert.Equal(new EnqueueResult(batch[0].JobId, Duplicate: true), batch[1]);

        // A running job still holds its key; a finished one frees it.
        var claimed = await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None);
        Assert.True((await queue.EnqueueAsync(Job() with { UniqueKey = "refresh:1" }, CancellationToken.None)).Duplicate);
        Assert.Contains(first.JobId, await queue.RecordAsync([queue.Completed(claimed.Single(j => j.Id == first.JobId))], CancellationToken.None));
        var afterCompletion = await queue.EnqueueAsync(Job() with { UniqueKey = "refresh:1" }, CancellationToken.None);
        Assert.False(afterCompletion.Duplicate);
        Assert.NotEqual(first.JobId, afterCompletion.JobId);
        Assert.Equal(4, await database.CountAsync("unique_key IS NOT NULL"));
    }

    [Fact]
    public async Task Concurrent_enqueues_of_one_unique_key_make_one_job_and_all_report_its_id()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var result = await queue.EnqueueAsync(connection, transaction, Job() with { UniqueKey = "sync:etsy:1" }, CancellationToken.None);
            await transaction.CommitAsync();
            return result;
        })));

        Assert.Single(results, r => !r.Duplicate);
        Assert.Single(results.Select(r => r.JobId).Distinct());
        Assert.Equal(1, await database.CountAsync("unique_key = 'sync:etsy:1'"));
    }

    [Fact]
    public async Task Claim_takes_due_jobs_by_priority_then_run_at_and_leaves_scheduled_ones()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var low = await queue.EnqueueAsync(Job() with { Priority = 5 }, CancellationToken.None);
        var high = await queue.EnqueueAsync(Job() with { Priority = 0 }, CancellationToken.None);
        var later = await queue.EnqueueAsync(Job() with { Priority = -1, RunAt = _time.GetUtcNow().AddMinutes(10) }, CancellationToken.None);
        var otherQueue = await queue.EnqueueAsync(Job(queue: JobQueues.ImageProcessing), CancellationToken.None);

        var first = await queue.ClaimAsync(JobQueues.Maintenance, "w1", 1, CancellationToken.None);
        var rest = await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None);

        Assert.Equal([high.JobId], first.Select(j => j.Id));
        Assert.Equal([low.JobId], rest.Select(j => j.Id));
        var claimed = first[0];
        Assert.Equal(JobState.Running, claimed.State);
        Assert.Equal(1, claimed.Attempt);
        Assert.Equal("w1", claimed.LockedBy);
        Assert.Equal(_time.GetUtcNow() + queue.Options.LeaseDuration, claimed.LeaseExpiresAt);

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([later.JobId], (await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None)).Select(j => j.Id));
        Assert.Equal([otherQueue.JobId], (await queue.ClaimAsync(JobQueues.ImageProcessing, "w1", 10, CancellationToken.None)).Select(j => j.Id));
    }

    [Fact]
    public async Task Failed_job_retries_at_60s_times_2_to_the_retry_with_jitter_then_is_discarded_with_its_last_error()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var id = (await queue.EnqueueAsync(Job(), CancellationToken.None)).JobId;

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var job = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
            Assert.Equal(attempt, job.Attempt);
            var failed = queue.Failed(job, $"boom {attempt}");
            Assert.Equal(JobOutcomeKind.Retrying, failed.Kind);
            Assert.Contains(id, await queue.RecordAsync([failed], CancellationToken.None));

            var row = (await queue.GetAsync(id, CancellationToken.None))!;
            var expected = TimeSpan.FromSeconds(60 * Math.Pow(2, attempt - 1));
            var delay = row.RunAt - _time.GetUtcNow();
            Assert.Equal(JobState.Available, row.State);
            Assert.InRange(delay, expected * 0.9, expected * 1.1);
            Assert.Equal($"boom {attempt}", row.LastError);

            // Not before its time.
            _time.Advance(delay - TimeSpan.FromSeconds(1));
            Assert.Empty(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var last = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
        Assert.Equal(4, last.Attempt);
        var lastFailure = queue.Failed(last, "boom 4");
        Assert.Equal(JobOutcomeKind.Discarded, lastFailure.Kind);
        Assert.Contains(id, await queue.RecordAsync([lastFailure], CancellationToken.None));

        var discarded = (await queue.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(JobState.Discarded, discarded.State);
        Assert.Equal("boom 4", discarded.LastError);
        Assert.Equal(_time.GetUtcNow(), discarded.FinishedAt);
        Assert.Null(discarded.LockedBy);
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
    }

    [Fact]
    public async Task Job_of_a_worker_that_stopped_heartbeating_is_rescued_after_its_lease_and_completed_by_another()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time, o => o.LeaseDuration = TimeSpan.FromSeconds(60));
        var id = (await queue.EnqueueAsync(Job(), CancellationToken.None)).JobId;
        var crashed = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "crashed", 10, CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await queue.RescueExpiredAsync(CancellationToken.None));
        Assert.Empty(await queue.ClaimAsync(JobQueues.Maintenance, "alive", 10, CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await queue.RescueExpiredAsync(CancellationToken.None));
        var rescued = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "alive", 10, CancellationToken.None));
        Assert.Equal(id, rescued.Id);
        Assert.Equal(2, rescued.Attempt);
        Assert.Contains("crashed", rescued.LastError, StringComparison.Ordinal);

        // The crashed worker, should it come back, can neither extend nor finish what is no longer its job.
        Assert.Empty(await queue.HeartbeatAsync("crashed", [id], CancellationToken.None));
        Assert.Empty(await queue.RecordAsync([queue.Completed(crashed)], CancellationToken.None));
        Assert.Empty(await queue.RecordAsync([queue.Failed(crashed, "late")], CancellationToken.None));
        Assert.Equal([id], await queue.RecordAsync([queue.Completed(rescued)], CancellationToken.None));
        Assert.Equal(JobState.Completed, (await queue.GetAsync(id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Heartbeat_keeps_a_lease_alive_and_a_job_on_its_last_attempt_whose_lease_expires_is_discarded()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time, o => o.LeaseDuration = TimeSpan.FromSeconds(60));
        var beating = (await queue.EnqueueAsync(Job() with { MaxAttempts = 1 }, CancellationToken.None)).JobId;
        var silent = (await queue.EnqueueAsync(Job() with { MaxAttempts = 1 }, CancellationToken.None)).JobId;
        await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None);

        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal([beating], await queue.HeartbeatAsync("w1", [beating], CancellationToken.None));
            await queue.RescueExpiredAsync(CancellationToken.None);
        }

        Assert.Equal(JobState.Running, (await queue.GetAsync(beating, CancellationToken.None))!.State);
        var lost = (await queue.GetAsync(silent, CancellationToken.None))!;
        Assert.Equal(JobState.Discarded, lost.State);
        Assert.Contains("Lease expired", lost.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_available_job_is_never_claimed_and_a_finished_job_cannot_be_cancelled()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var cancelled = (await queue.EnqueueAsync(Job() with { UniqueKey = "k" }, CancellationToken.None)).JobId;

        Assert.True(await queue.CancelAsync(cancelled, CancellationToken.None));
        Assert.Empty(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
        Assert.False(await queue.CancelAsync(cancelled, CancellationToken.None));
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(cancelled, CancellationToken.None))!.State);

        // A cancelled job frees its unique key.
        Assert.False((await queue.EnqueueAsync(Job() with { UniqueKey = "k" }, CancellationToken.None)).Duplicate);
    }

    [Fact]
    public async Task Released_job_is_available_again_without_the_attempt_counted()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var id = (await queue.EnqueueAsync(Job(), CancellationToken.None)).JobId;
        var job = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));

        Assert.Equal([id], await queue.RecordAsync([queue.Released(job)], CancellationToken.None));

        var row = (await queue.GetAsync(id, CancellationToken.None))!;
        Assert.Equal((JobState.Available, 0, null), (row.State, row.Attempt, row.LockedBy));
    }

    [Fact]
    public async Task One_batch_records_completed_retried_discarded_and_released_jobs_each_as_its_own_outcome_says()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time);
        var ids = new Dictionary<string, Guid>();
        foreach (var name in new[] { "complete", "retry", "discard", "release", "cancelled" })
        {
            ids[name] = (await queue.EnqueueAsync(Job(name) with { MaxAttempts = name == "discard" ? 1 : 4 }, CancellationToken.None)).JobId;
        }

        var claimed = (await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None)).ToDictionary(j => j.Kind);
        var claimedAt = _time.GetUtcNow();
        Assert.True(await queue.CancelAsync(ids["cancelled"], CancellationToken.None));

        // The outcomes are decided as the runs end, one second apart, and written later in one statement.
        var outcomes = new List<JobOutcome>();
        _time.Advance(TimeSpan.FromSeconds(1));
        outcomes.Add(queue.Completed(claimed["complete"]));
        _time.Advance(TimeSpan.FromSeconds(1));
        outcomes.Add(queue.Failed(claimed["retry"], "flaky"));
        _time.Advance(TimeSpan.FromSeconds(1));
        outcomes.Add(queue.Failed(claimed["discard"], "broken"));
        _time.Advance(TimeSpan.FromSeconds(1));
        outcomes.Add(queue.Released(claimed["release"]));
        outcomes.Add(queue.Completed(claimed["cancelled"]));
        _time.Advance(TimeSpan.FromSeconds(10));

        var written = await queue.RecordAsync(outcomes, CancellationToken.None);

        Assert.Equal(new[] { ids["complete"], ids["retry"], ids["discard"], ids["release"] }.Order(), written.Order());
        var rows = new Dictionary<string, Job>();
        foreach (var (name, id) in ids)
        {
            rows[name] = (await queue.GetAsync(id, CancellationToken.None))!;
        }

        Assert.All(rows.Values, row => Assert.Equal((null, null), (row.LockedBy, row.LeaseExpiresAt)));
        Assert.Equal((JobState.Completed, 1, claimedAt.AddSeconds(1)), (rows["complete"].State, rows["complete"].Attempt, rows["complete"].FinishedAt));

        var retry = rows["retry"];
        Assert.Equal((JobState.Available, 1, "flaky", null), (retry.State, retry.Attempt, retry.LastError, retry.FinishedAt));
        Assert.InRange(retry.RunAt - claimedAt.AddSeconds(2), TimeSpan.FromSeconds(54), TimeSpan.FromSeconds(66));

        Assert.Equal((JobState.Discarded, "broken", claimedAt.AddSeconds(3)), (rows["discard"].State, rows["discard"].LastError, rows["discard"].FinishedAt));

        var released = rows["release"];
        Assert.Equal((JobState.Available, 0, null, claimedAt.AddSeconds(4)), (released.State, released.Attempt, released.StartedAt, released.RunAt));

        // Cancelled while its outcome waited: the late completion is dropped, the cancellation stands.
        Assert.Equal(JobState.Cancelled, rows["cancelled"].State);
    }

    [Fact]
    public async Task Late_outcome_of_an_earlier_claim_does_not_finish_the_same_workers_later_claim_of_the_job()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time, o => o.LeaseDuration = TimeSpan.FromSeconds(60));
        var id = (await queue.EnqueueAsync(Job(), CancellationToken.None)).JobId;
        var first = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
        var firstOutcome = queue.Completed(first);

        // Its outcome waited (the database was away) until the lease ran out; the same worker claimed the job again.
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await queue.RescueExpiredAsync(CancellationToken.None));
        var second = Assert.Single(await queue.ClaimAsync(JobQueues.Maintenance, "w1", 10, CancellationToken.None));
        Assert.Equal((first.LockedBy, 2), (second.LockedBy, second.Attempt));

        Assert.Empty(await queue.RecordAsync([firstOutcome], CancellationToken.None));
        Assert.Equal(JobState.Running, (await queue.GetAsync(id, CancellationToken.None))!.State);
        Assert.Equal([id], await queue.RecordAsync([queue.Completed(second)], CancellationToken.None));
    }

    [Fact]
    public async Task Prune_deletes_only_finished_jobs_past_retention_in_bounded_batches()
    {
        await database.ResetAsync();
        var queue = database.CreateQueue(_time, o =>
        {
            o.Retention = TimeSpan.FromDays(7);
            o.PruneBatchSize = 1000;
        });
        var now = _time.GetUtcNow();
        await InsertFinishedAsync(2400, "completed", now.AddDays(-8));
        await InsertFinishedAsync(60, "discarded", now.AddDays(-30));
        await InsertFinishedAsync(40, "cancelled", now.AddDays(-7).AddMinutes(-1));
        await InsertFinishedAsync(10, "completed", now.AddDays(-6));
        for (var i = 0; i < 5; i++)
        {
            await queue.EnqueueAsync(Job() with { RunAt = now.AddDays(-30) }, CancellationToken.None);
        }

        var result = await queue.PruneAsync(CancellationToken.None);

        Assert.Equal(new PruneResult(2500, 3), result);
        Assert.Equal(15, await database.CountAsync("true"));
        Assert.Equal(5, await database.CountAsync("state = 'available'"));
        Assert.Equal(new PruneResult(0, 0), await queue.PruneAsync(CancellationToken.None));
    }

    private async Task InsertFinishedAsync(int count, string state, DateTimeOffset finishedAt)
    {
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO jobs (id, queue, kind, payload, state, priority, run_at, attempt, max_attempts, created_at, finished_at)
            SELECT gen_random_uuid(), 'maintenance', 'old', '{}', $1, 0, $2, 1, 4, $2, $2 FROM generate_series(1, $3)
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = state });
        command.Parameters.Add(new Npgsql.NpgsqlParameter<DateTimeOffset> { TypedValue = finishedAt });
        command.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = count });
        await command.ExecuteNonQueryAsync();
    }
}
