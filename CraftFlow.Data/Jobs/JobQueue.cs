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

        var now = timeProvider.GetUtcNow();
        var inserted = await InsertAsync(connection, transaction, jobs, now, cancellationToken);
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
            await ResolveDuplicatesAsync(connection, transaction, jobs, missing, results, now, cancellationToken);
        }

        return results;
    }

    private async Task<HashSet<Guid>> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<NewJob> jobs, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO jobs (id, queue, kind, payload, user_id, state, priority, run_at, attempt, max_attempts, unique_key, created_at)
            SELECT t.id, t.queue, t.kind, t.payload::jsonb, t.user_id, 'available', t.priority, t.run_at, 0, t.max_attempts, t.unique_key, $1
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
        EnqueueResult[] results, DateTimeOffset now, CancellationToken cancellationToken)
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

            var again = await InsertAsync(connection, transaction, retry.Select(i => jobs[i]).ToList(), now, cancellationToken);
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
        await using var command = dataSource.CreateCommand("""
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
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + _options.LeaseDuration });
        var jobs = await ReadJobsAsync(command, cancellationToken);

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

        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET lease_expires_at = $3
            WHERE id = ANY($1) AND state = 'running' AND locked_by = $2
            RETURNING id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. jobIds] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() + _options.LeaseDuration });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            owned.Add(reader.GetGuid(0));
        }

        return owned;
    }

    /// <summary>Marks a job this worker runs completed. False when it was no longer ours (cancelled or rescued).</summary>
    public async Task<bool> CompleteAsync(Job job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = 'completed', finished_at = $3, locked_by = NULL, lease_expires_at = NULL
            WHERE id = $1 AND state = 'running' AND locked_by = $2
            """);
        AddOwner(command, job);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Marks many jobs this worker ran completed in one statement (one commit instead of one per job) and returns
    /// the ids it completed; the others were cancelled or rescued meanwhile.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> CompleteManyAsync(string workerId, IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken)
    {
        var completed = new HashSet<Guid>();
        if (jobIds.Count == 0)
        {
            return completed;
        }

        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = 'completed', finished_at = $3, locked_by = NULL, lease_expires_at = NULL
            WHERE id = ANY($1) AND state = 'running' AND locked_by = $2
            RETURNING id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. jobIds] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            completed.Add(reader.GetGuid(0));
        }

        return completed;
    }

    /// <summary>
    /// Records a failed run: back to available after the backoff while attempts remain, otherwise discarded.
    /// The error is kept either way, so a discarded job says why.
    /// </summary>
    public async Task<FailureOutcome> FailAsync(Job job, string error, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var discard = job.Attempt >= job.MaxAttempts;
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs
            SET state = $3, run_at = $4, finished_at = $5, last_error = $6, locked_by = NULL, lease_expires_at = NULL
            WHERE id = $1 AND state = 'running' AND locked_by = $2
            """);
        AddOwner(command, job);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = discard ? "discarded" : "available" });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = discard ? job.RunAt : now + RetryDelay(job.Attempt) });
        command.Parameters.Add(new NpgsqlParameter { Value = discard ? now : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Truncate(error) });
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return FailureOutcome.NotOwned;
        }

        return discard ? FailureOutcome.Discarded : FailureOutcome.Retrying;
    }

    /// <summary>
    /// Hands a job back untouched (worker shutting down): available at once, and the attempt the claim counted is
    /// given back, because the job did not fail.
    /// </summary>
    public async Task<bool> ReleaseAsync(Job job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE jobs SET state = 'available', attempt = attempt - 1, run_at = $3, started_at = NULL, locked_by = NULL, lease_expires_at = NULL
            WHERE id = $1 AND state = 'running' AND locked_by = $2
            """);
        AddOwner(command, job);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
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
        var jobs = await ReadJobsAsync(command, cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>A user's job for GET /api/jobs/{id}: another user's job is null, exactly like a missing one.</summary>
    public async Task<Job?> GetForUserAsync(Guid jobId, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT * FROM jobs WHERE id = $1 AND user_id = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        var jobs = await ReadJobsAsync(command, cancellationToken);
        return jobs.Count == 0 ? null : jobs[0];
    }

    /// <summary>BaseBackoff × 2^(attempt − 1) ± jitter: the run that just failed was attempt 1 for the first retry.</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var jitter = 1 + ((Random.Shared.NextDouble() * 2) - 1) * _options.BackoffJitter;
        return TimeSpan.FromTicks((long)(_options.BaseBackoff.Ticks * Math.Pow(2, exponent) * jitter));
    }

    private static void AddOwner(NpgsqlCommand command, Job job)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.LockedBy ?? string.Empty });
    }

    private static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];

    private static async Task<List<Job>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(new Job
            {
                Id = reader.GetGuid(reader.GetOrdinal("id")),
                Queue = reader.GetString(reader.GetOrdinal("queue")),
                Kind = reader.GetString(reader.GetOrdinal("kind")),
                Payload = reader.GetString(reader.GetOrdinal("payload")),
                UserId = Nullable<Guid>(reader, "user_id"),
                State = Enum.Parse<JobState>(reader.GetString(reader.GetOrdinal("state")), ignoreCase: true),
                Priority = reader.GetInt16(reader.GetOrdinal("priority")),
                RunAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("run_at")),
                Attempt = reader.GetInt32(reader.GetOrdinal("attempt")),
                MaxAttempts = reader.GetInt32(reader.GetOrdinal("max_attempts")),
                UniqueKey = NullableString(reader, "unique_key"),
                LockedBy = NullableString(reader, "locked_by"),
                LeaseExpiresAt = Nullable<DateTimeOffset>(reader, "lease_expires_at"),
                LastError = NullableString(reader, "last_error"),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
                StartedAt = Nullable<DateTimeOffset>(reader, "started_at"),
                FinishedAt = Nullable<DateTimeOffset>(reader, "finished_at"),
            });
        }

        return jobs;
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, string column)
        where T : struct
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }

    private static string? NullableString(NpgsqlDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }
}
