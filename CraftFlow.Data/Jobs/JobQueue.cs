using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// The durable job queue's statements (DESIGN.md section 6), in raw SQL because they are the hot path and their
/// exact shape (one statement per claim, SKIP LOCKED, partial indexes) is the point. Every time comparison uses the
/// <see cref="TimeProvider"/>'s now passed as a parameter, never SQL now(), so tests control time.
/// </summary>
public sealed class JobQueue(NpgsqlDataSource dataSource, IOptions<JobQueueOptions> options, TimeProvider timeProvider)
{
    /// <summary>One channel for all queues; the payload is the queue name, so one LISTEN connection serves every consumer.</summary>
    public const string NotificationChannel = "craftflow_jobs";

    private const int MaxErrorLength = 8000;

    // Must match the predicate of ix_jobs_unique_key, or PostgreSQL cannot infer the arbiter index.
    private const string OnUniqueKeyConflict =
        "ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING";

    private readonly JobQueueOptions _options = options.Value;

    public JobQueueOptions Options => _options;

    /// <summary>
    /// Enqueues inside the DbContext's connection and current transaction, so the job commits or rolls back with the
    /// data it works on. Entities the context tracks are not saved here: call SaveChanges in the same transaction.
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(CraftFlowDbContext db, NewJob job, CancellationToken cancellationToken)
        => (await EnqueueManyAsync(db, [job], cancellationToken))[0];

    public async Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(
        CraftFlowDbContext db, IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            var transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
            return await EnqueueManyAsync(connection, transaction, jobs, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Enqueues one job on the caller's connection and (optional) transaction.</summary>
    public async Task<EnqueueResult> EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, NewJob job, CancellationToken cancellationToken)
        => (await EnqueueManyAsync(connection, transaction, [job], cancellationToken))[0];

    /// <summary>Enqueues without a caller's transaction, on a connection of the queue's own.</summary>
    public async Task<EnqueueResult> EnqueueAsync(NewJob job, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await EnqueueManyAsync(connection, null, [job], cancellationToken))[0];
    }

    /// <summary>
    /// Inserts all jobs with one multi-row INSERT over unnest()ed arrays and wakes their queues with pg_notify, which
    /// PostgreSQL delivers only when the transaction commits. A unique key already held by an available or running
    /// job is skipped by ON CONFLICT DO NOTHING rather than raising 23505: an error would abort the caller's whole
    /// transaction, and the caller only wants to know which job holds the work. Results are in input order.
    /// </summary>
    public async Task<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
        {
            return [];
        }

        foreach (var job in jobs)
        {
            if (!JobQueues.All.Contains(job.Queue))
            {
                throw new ArgumentException($"Unknown queue '{job.Queue}'; queues are {string.Join(", ", JobQueues.All)}.", nameof(jobs));
            }
        }

        using var activity = JobTelemetry.StartEnqueue(jobs);
        var traceContext = JobTelemetry.CaptureTraceContext(Activity.Current);
        var now = timeProvider.GetUtcNow();
        var inserted = await InsertAsync(connection, transaction, jobs, now, traceContext, cancellationToken);
        var results = new EnqueueResult[jobs.Count];
        var missing = new List<int>();
        for (var i = 0; i < jobs.Count; i++)
        {
            if (inserted.Contains(jobs[i].Id))
            {
                results[i] = new EnqueueResult(jobs[i].Id, Duplicate: false);
            }
            else
            {
                missing.Add(i);
            }
        }

        if (missing.Count > 0)
        {
            await ResolveDuplicatesAsync(connection, transaction, jobs, missing, results, now, traceContext, cancellationToken);
        }

        return results;
    }

    private async Task<HashSet<Guid>> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<NewJob> jobs, DateTimeOffset now,
        string? traceContext, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO jobs (id, queue, kind, payload, user_id, state, priority, run_at, attempt, max_attempts, unique_key, created_at, trace_context)
            SELECT t.id, t.queue, t.kind, t.payload::jsonb, t.user_id, 'available', t.priority, t.run_at, 0, t.max_attempts, t.unique_key, $1, $11::jsonb
            FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10)
                AS t(id, queue, kind, payload, user_id, priority, run_at, max_attempts, unique_key)
            {OnUniqueKeyConflict}
            RETURNING id
            """);
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.Queue).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.Kind).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.UserId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.Priority).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.RunAt ?? now).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.MaxAttempts ?? _options.MaxAttempts).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        insert.Parameters.Add(new NpgsqlParameter { Value = jobs.Select(j => j.UniqueKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)traceContext ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);

        // Jobs scheduled for later need no wake-up: the poll finds them when they are due.
        var dueQueues = jobs.Where(j => j.RunAt is null || j.RunAt <= now).Select(j => j.Queue).Distinct().ToArray();
        if (dueQueues.Length > 0)
        {
            var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, q) FROM unnest($2) AS q");
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NotificationChannel });
            notify.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = dueQueues });
            batch.BatchCommands.Add(notify);
        }

        var inserted = new HashSet<Guid>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetGuid(0));
        }

        return inserted;
    }

    private async Task ResolveDuplicatesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<NewJob> jobs, List<int> missing,
        EnqueueResult[] results, DateTimeOffset now, string? traceContext, CancellationToken cancellationToken)
    {
        // The holder of a key can finish between our INSERT and this SELECT; then the key is free and we insert again.
        // Three rounds cover any realistic race; a key that flaps faster than that is reported as an error.
        for (var round = 0; round < 3 && missing.Count > 0; round++)
        {
            var keys = missing.Select(i => jobs[i].UniqueKey).OfType<string>().Distinct().ToArray();
            var holders = new Dictionary<string, Guid>(StringComparer.Ordinal);
            await using (var select = new NpgsqlCommand(
                "SELECT unique_key, id FROM jobs WHERE unique_key = ANY($1) AND state IN ('available', 'running')",
                connection, transaction))
            {
                select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    holders[reader.GetString(0)] = reader.GetGuid(1);
                }
            }

            var retry = new List<int>();
            foreach (var i in missing)
            {
                if (jobs[i].UniqueKey is { } key && holders.TryGetValue(key, out var holder))
                {
                    results[i] = new EnqueueResult(holder, Duplicate: holder != jobs[i].Id);
                }
                else
                {
                    retry.Add(i);
                }
            }

            if (retry.Count == 0)
            {
                return;
            }

            var again = await InsertAsync(connection, transaction, retry.Select(i => jobs[i]).ToList(), now, traceContext, cancellationToken);
            missing = [];
            foreach (var i in retry)
            {
                if (again.Contains(jobs[i].Id))
                {
                    results[i] = new EnqueueResult(jobs[i].Id, Duplicate: false);
                }
                else
                {
                    missing.Add(i);
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Could not enqueue or find the holder of unique key '{jobs[missing[0]].UniqueKey}'.");
        }
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due jobs of a queue in one statement: the CTE picks ids in claim-index
    /// order and locks them, skipping rows other workers hold, and the UPDATE marks them running under a lease.
    /// The attempt is counted here, at claim, so a run that crashes the worker still uses up an attempt.
    /// </summary>
    public async Task<IReadOnlyList<Job>> ClaimAsync(string queue, string workerId, int limit, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        await using var batch = WorkerBatch("""
            WITH next AS (
                SELECT id FROM jobs
                WHERE queue = $1 AND state = 'available' AND run_at <= $2
                ORDER BY priority, run_at, id
                LIMIT $3
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs AS j
            SET state = 'running', attempt = j.attempt + 1, locked_by = $4, lease_expires_at = $5, started_at = $2
            FROM next
            WHERE j.id = next.id
            RETURNING j.*
            """, out var command);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + _options.LeaseDuration });
        List<Job> jobs;
        await using (var reader = await ExecuteWorkerBatchAsync(batch, cancellationToken))
        {
            jobs = await ReadJobsAsync(reader, cancellationToken);
        }

        // RETURNING has no order; run them in the order they were picked.
        jobs.Sort((a, b) => (a.Priority, a.RunAt, a.Id).CompareTo((b.Priority, b.RunAt, b.Id)));
        return jobs;
    }

    /// <summary>
    /// Extends the leases of the given jobs this worker still runs and returns those ids. A job missing from the
    /// answer was cancelled or rescued by someone else: its runner must stop.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> HeartbeatAsync(string workerId, IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken)
    {
        var owned = new HashSet<Guid>();
        if (jobIds.Count == 0)
        {
            return owned;
        }

        await using var batch = WorkerBatch("""
            UPDATE jobs SET lease_expires_at = $3
            WHERE id = ANY($1) AND state = 'running' AND locked_by = $2
            RETURNING id
            """, out var command);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. jobIds] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() + _options.LeaseDuration });
        await using var reader = await ExecuteWorkerBatchAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            owned.Add(reader.GetGuid(0));
        }

        return owned;
    }

    /// <summary>The handler returned.</summary>
    public JobOutcome Completed(Job job) => new(job, JobOutcomeKind.Completed, timeProvider.GetUtcNow());

    /// <summary>
    /// The handler threw: retried after <see cref="RetryDelay"/> while attempts remain, otherwise discarded. The error
    /// is kept either way, so a discarded job says why.
    /// </summary>
    public JobOutcome Failed(Job job, string error)
    {
        var now = timeProvider.GetUtcNow();
        return job.Attempt >= job.MaxAttempts
            ? new JobOutcome(job, JobOutcomeKind.Discarded, now, Error: Truncate(error))
            : new JobOutcome(job, JobOutcomeKind.Retrying, now, now + RetryDelay(job.Attempt), Truncate(error));
    }

    /// <summary>Handed back untouched (worker shutting down): the job did not fail, so its attempt is not counted.</summary>
    public JobOutcome Released(Job job) => new(job, JobOutcomeKind.Released, timeProvider.GetUtcNow());

    /// <summary>
    /// Writes many runs' outcomes with one UPDATE over unnest()ed arrays, whatever their kinds: one commit for the
    /// whole batch instead of one per job. Only rows still held by the run's claim change; the answer holds the ids
    /// written, and a job missing from it was cancelled or rescued meanwhile (its result is dropped).
    /// </summary>
    public async Task<IReadOnlySet<Guid>> RecordAsync(IReadOnlyList<JobOutcome> outcomes, CancellationToken cancellationToken)
    {
        var written = new HashSet<Guid>();
        if (outcomes.Count == 0)
        {
            return written;
        }

        var ids = new Guid[outcomes.Count];
        var owners = new string[outcomes.Count];
        var attempts = new int[outcomes.Count];
        var states = new string[outcomes.Count];
        var runAts = new DateTimeOffset?[outcomes.Count];
        var finishedAts = new DateTimeOffset?[outcomes.Count];
        var errors = new string?[outcomes.Count];
        var refunds = new int[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            ids[i] = outcome.Job.Id;
            owners[i] = outcome.Job.LockedBy ?? string.Empty;
            attempts[i] = outcome.Job.Attempt;
            (states[i], runAts[i], finishedAts[i], refunds[i]) = outcome.Kind switch
            {
                JobOutcomeKind.Completed => ("completed", (DateTimeOffset?)null, (DateTimeOffset?)outcome.At, 0),
                JobOutcomeKind.Retrying => ("available", outcome.RetryAt, null, 0),
                JobOutcomeKind.Discarded => ("discarded", null, outcome.At, 0),
                JobOutcomeKind.Released => ("available", outcome.At, null, 1),
                _ => throw new ArgumentOutOfRangeException(nameof(outcomes), outcome.Kind, "Unknown outcome."),
            };
            errors[i] = outcome.Error;
        }

        // A released job never ran as far as anyone should count: the attempt and started_at go back to before
        // the claim. A completed job keeps the error of an earlier failed attempt, for the record.
        // Ownership is (id, locked_by, attempt): locked_by is set only while a job runs (the claim sets it, every way
        // out of running clears it), and the attempt tells this claim from a later one by the same worker after a
        // rescue. There is deliberately no "state = 'running'" here: it would let the planner drive the join from
        // the partial lease index, whose statistics lag behind a busy queue (one 1000-row batch took 9 s that way);
        // unnest-driven primary-key lookups are linear in the batch whatever the statistics say.
        await using var batch = WorkerBatch("""
            UPDATE jobs AS j
            SET state = o.state,
                run_at = coalesce(o.run_at, j.run_at),
                finished_at = o.finished_at,
                last_error = coalesce(o.error, j.last_error),
                attempt = j.attempt - o.refund,
                started_at = CASE WHEN o.refund > 0 THEN NULL ELSE j.started_at END,
                locked_by = NULL,
                lease_expires_at = NULL
            FROM unnest($1, $2, $3, $4, $5, $6, $7, $8) AS o(id, locked_by, attempt, state, run_at, finished_at, error, refund)
            WHERE j.id = o.id AND j.locked_by = o.locked_by AND j.attempt = o.attempt
            RETURNING j.id
            """, out var command);
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = owners, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = attempts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = states, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = runAts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = finishedAts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = errors, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = refunds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        await using var reader = await ExecuteWorkerBatchAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            written.Add(reader.GetGuid(0));
        }

        return written;
    }

    /// <summary>
    /// Cancels a job that has not finished. An available job never runs; a running one loses its lease at once and
    /// its worker notices at the next heartbeat. False when the job had already finished (or does not exist).
    /// </summary>
    public async Task<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = 'cancelled', finished_at = $2, locked_by = NULL, lease_expires_at = NULL
            WHERE id = $1 AND state IN ('available', 'running')
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Gives jobs whose lease expired (their worker died or lost the database) to the next worker: available at once
    /// while attempts remain (the lost run already counted), else discarded. SKIP LOCKED lets every worker run this.
    /// </summary>
    public async Task<int> RescueExpiredAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            WITH expired AS (
                SELECT id FROM jobs
                WHERE state = 'running' AND lease_expires_at < $1
                ORDER BY lease_expires_at
                LIMIT $2
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs AS j
            SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'available' END,
                finished_at = CASE WHEN j.attempt >= j.max_attempts THEN $1 END,
                run_at = $1,
                last_error = 'Lease expired: worker ' || coalesce(j.locked_by, '?') || ' stopped heartbeating.',
                locked_by = NULL,
                lease_expires_at = NULL
            FROM expired
            WHERE j.id = expired.id
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.PruneBatchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes finished jobs older than the retention, <see cref="JobQueueOptions.PruneBatchSize"/> rows per
    /// statement (each its own short transaction) until none are left.
    /// </summary>
    public async Task<PruneResult> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - _options.Retention;
        var deleted = 0;
        var batches = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs
                    WHERE finished_at < $1 AND state IN ('completed', 'discarded', 'cancelled')
                    LIMIT $2
                    FOR UPDATE SKIP LOCKED)
                """);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.PruneBatchSize });
            var count = await command.ExecuteNonQueryAsync(cancellationToken);
            if (count == 0)
            {
                return new PruneResult(deleted, batches);
            }

            deleted += count;
            batches++;
            if (count < _options.PruneBatchSize)
            {
                return new PruneResult(deleted, batches);
            }
        }
    }

    public async Task<Job?> GetAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT * FROM jobs WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = await ReadJobsAsync(reader, cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>A user's job for GET /api/jobs/{id}: another user's job is null, exactly like a missing one.</summary>
    public async Task<Job?> GetForUserAsync(Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT * FROM jobs WHERE id = $1 AND user_id = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = await ReadJobsAsync(reader, cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>BaseBackoff × 2^(attempt − 1) ± jitter: the run that just failed was attempt 1 for the first retry.</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var jitter = 1 + ((Random.Shared.NextDouble() * 2) - 1) * _options.BackoffJitter;
        return TimeSpan.FromTicks((long)(_options.BaseBackoff.Ticks * Math.Pow(2, exponent) * jitter));
    }

    private static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];

    /// <summary>
    /// A statement of the consumers' own bookkeeping (claim, heartbeat, outcomes), sent in one round trip after a
    /// <c>set_config</c> that makes its transaction commit without waiting for the WAL flush (an fsync, 2–5 ms on
    /// this kind of disk, which would otherwise bound a consumer to one claim per flush). The commit is visible at
    /// once and durable within PostgreSQL's wal_writer_delay. Losing such a commit to a database crash loses nothing
    /// the queue promises: a lost claim leaves the job available (the worker's heartbeat then finds it not ours and
    /// stops the run, and its outcome is not written), a lost outcome leaves the job running until its lease
    /// expires and the rescuer runs it again: at-least-once, as for a worker crash. Enqueues, cancels and
    /// everything a handler writes keep synchronous commits, so a job, once enqueued, is never lost.
    /// </summary>
    private NpgsqlBatch WorkerBatch(string sql, out NpgsqlBatchCommand command)
    {
        var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"));
        command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        return batch;
    }

    private static async Task<NpgsqlDataReader> ExecuteWorkerBatchAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // past set_config's row, to the statement's own
        return reader;
    }

    private static async Task<List<Job>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        if (!reader.HasRows)
        {
            return jobs;
        }

        // Ordinals once per result, not per row: a claim reads many rows.
        var id = reader.GetOrdinal("id");
        var queue = reader.GetOrdinal("queue");
        var kind = reader.GetOrdinal("kind");
        var payload = reader.GetOrdinal("payload");
        var userId = reader.GetOrdinal("user_id");
        var state = reader.GetOrdinal("state");
        var priority = reader.GetOrdinal("priority");
        var runAt = reader.GetOrdinal("run_at");
        var attempt = reader.GetOrdinal("attempt");
        var maxAttempts = reader.GetOrdinal("max_attempts");
        var uniqueKey = reader.GetOrdinal("unique_key");
        var lockedBy = reader.GetOrdinal("locked_by");
        var leaseExpiresAt = reader.GetOrdinal("lease_expires_at");
        var lastError = reader.GetOrdinal("last_error");
        var createdAt = reader.GetOrdinal("created_at");
        var startedAt = reader.GetOrdinal("started_at");
        var finishedAt = reader.GetOrdinal("finished_at");
        var traceContext = reader.GetOrdinal("trace_context");
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(new Job
            {
                Id = reader.GetGuid(id),
                Queue = reader.GetString(queue),
                Kind = reader.GetString(kind),
                Payload = reader.GetString(payload),
                UserId = Nullable<Guid>(reader, userId),
                State = Enum.Parse<JobState>(reader.GetString(state), ignoreCase: true),
                Priority = reader.GetInt16(priority),
                RunAt = reader.GetFieldValue<DateTimeOffset>(runAt),
                Attempt = reader.GetInt32(attempt),
                MaxAttempts = reader.GetInt32(maxAttempts),
                UniqueKey = NullableString(reader, uniqueKey),
                LockedBy = NullableString(reader, lockedBy),
                LeaseExpiresAt = Nullable<DateTimeOffset>(reader, leaseExpiresAt),
                LastError = NullableString(reader, lastError),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(createdAt),
                StartedAt = Nullable<DateTimeOffset>(reader, startedAt),
                FinishedAt = Nullable<DateTimeOffset>(reader, finishedAt),
                TraceContext = NullableString(reader, traceContext),
            });
        }

        return jobs;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, int ordinal)
        where T : struct
        => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static string? NullableString(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
