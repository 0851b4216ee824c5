using System.Runtime.ExceptionServices;
using CraftFlow.Caching;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using Npgsql;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Processes up to <see cref="ProcessDesignBatchJob.BatchSize"/> uploaded designs per job and advances their upload batch's counters.
/// Idempotent: a design is processed only while pending or processing, and its batch counter moves in the same
/// statement as its status leaves pending/processing, so a re-run (after a crash, a retry, or two workers racing on
/// a rescued job) never counts a design twice, and concurrent jobs of one batch add up exactly.
/// Per job: one statement marks the designs processing, the analyses run up to one per core at once (the
/// <see cref="AnalysisGate"/> bounds them process-wide), then under the user's <see cref="UserJudgementLock"/> the
/// judgements run in upload order and one statement records every outcome with its counters; the API's cached reads
/// are invalidated once per user.
/// </summary>
public sealed partial class ProcessDesignBatchHandler(
    NpgsqlDataSource dataSource, IDesignProcessor processor, UserJudgementLock judgementLock, CacheInvalidation invalidation,
    TimeProvider timeProvider, ILogger<ProcessDesignBatchHandler> logger)
    : IJobHandler
{
    // Analyses of one job in flight (file read, decode): more than the cores cannot finish sooner, and each holds its file.
    private static readonly int AnalysesInFlight = Math.Max(1, Environment.ProcessorCount);

    public string Kind => ProcessDesignBatchJob.Kind;

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var payload = ProcessDesignBatchJob.Read(job.Payload);
        var designs = await LoadUnfinishedAsync(payload.DesignIds, cancellationToken);
        if (designs.Count == 0)
        {
            return;
        }

        var lastAttempt = job.Attempt >= job.MaxAttempts;
        await MarkProcessingAsync(designs, cancellationToken);
        var outcomes = new List<(DesignToProcess Design, DesignProcessingResult Result)>(designs.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var throttle = new SemaphoreSlim(AnalysesInFlight);
        var analyses = designs.Select(design => AnalyzeAsync(design, throttle, lastAttempt, stop.Token)).ToList();
        try
        {
            // Every analysis first, then the judgements in upload order and their record under the user's lock: the
            // lock is held for milliseconds, and a near-duplicate another job judges at the same moment is either
            // recorded before these are judged or judged after they are recorded. A failed analysis stops the job,
            // but what was analysed before it is judged and kept: a retry redoes only the rest.
            var analyzed = new List<(DesignToProcess Design, AnalyzedDesign Analysis)>(designs.Count);
            ExceptionDispatchInfo? failure = null;
            foreach (var (design, analysis) in designs.Zip(analyses))
            {
                try
                {
                    analyzed.Add((design, await analysis));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                    await stop.CancelAsync();
                    break;
                }
            }

            await JudgeAndRecordAsync(analyzed, outcomes, lastAttempt, cancellationToken);
            failure?.Throw();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(analyses.Select(a => a.ContinueWith(static _ => { }, TaskScheduler.Default)));

            // The API's cached reads of these designs and of the gallery now show the old status: once per user and job.
            foreach (var user in outcomes.GroupBy(o => o.Design.UserId))
            {
                await invalidation.DesignsChangedAsync(user.Key, [.. user.Select(o => o.Design.Id).Distinct()], CancellationToken.None);
            }
        }
    }

    private async Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, SemaphoreSlim throttle, bool lastAttempt, CancellationToken cancellationToken)
    {
        await throttle.WaitAsync(cancellationToken);
        try
        {
            return await processor.AnalyzeAsync(design, cancellationToken);
        }
        catch (Exception ex) when (lastAttempt && ex is not OperationCanceledException)
        {
            // No retry is coming: fail this design so its batch can finish, and go on with the others.
            return AnalyzedDesign.Finished(DesignProcessingResult.Failed($"Processing failed: {ex.Message}"));
        }
        finally
        {
            throttle.Release();
        }
    }

    /// <summary>
    /// Under the users' lock, the judgements in upload order, then one record of their outcomes before the lock goes,
    /// also when a judgement failed half-way: the outcomes before it are in the index already, and another process
    /// judging next must see them.
    /// </summary>
    private async Task JudgeAndRecordAsync(
        List<(DesignToProcess Design, AnalyzedDesign Analysis)> analyzed, List<(DesignToProcess Design, DesignProcessingResult Result)> outcomes,
        bool lastAttempt, CancellationToken cancellationToken)
    {
        if (analyzed.Count == 0)
        {
            return;
        }

        await using var held = await judgementLock.AcquireAsync(analyzed.Select(a => a.Design.UserId), cancellationToken);
        try
        {
            foreach (var (design, analysis) in analyzed)
            {
                DesignProcessingResult result;
                try
                {
                    result = await analysis.JudgeAsync(cancellationToken);
                }
                catch (Exception ex) when (lastAttempt && ex is not OperationCanceledException)
                {
                    result = DesignProcessingResult.Failed($"Processing failed: {ex.Message}");
                }

                outcomes.Add((design, result));
            }
        }
        finally
        {
            if (outcomes.Count > 0)
            {
                await RecordAndLogAsync(outcomes, CancellationToken.None);
            }
        }
    }

    private async Task RecordAndLogAsync(List<(DesignToProcess Design, DesignProcessingResult Result)> outcomes, CancellationToken cancellationToken)
    {
        var changed = await RecordAsync(outcomes, cancellationToken);
        foreach (var (design, result) in outcomes.Where(o => changed.Contains(o.Design.Id)))
        {
            LogDesignFinished(logger, design.Id, result.Status);
        }
    }

    private async Task<List<DesignToProcess>> LoadUnfinishedAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        // With each design its earlier copy (idx ix_design_images_user_id_sha256), read here with the rest rather than
        // one query per design under the user's judgement lock: uploads are rows from the moment the API accepts them,
        // so the answer does not depend on what was judged before.
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.user_id, d.upload_batch_id, d.sha256, d.content_type, d.original_file_name, d.file_size,
                   (SELECT other.id FROM design_images other
                    WHERE other.user_id = d.user_id AND other.sha256 = d.sha256 AND other.is_active = true
                      AND (other.created_at, other.id) < (d.created_at, d.id)
                    ORDER BY other.created_at, other.id
                    LIMIT 1)
            FROM design_images d
            WHERE d.id = ANY($1) AND d.status IN ('pending', 'processing')
            ORDER BY array_position($1, d.id)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        var designs = new List<DesignToProcess>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            designs.Add(new DesignToProcess(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.IsDBNull(2) ? null : reader.GetGuid(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetGuid(7)));
        }

        return designs;
    }

    private async Task MarkProcessingAsync(List<DesignToProcess> designs, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE design_images SET status = 'processing', updated_at = $2 WHERE id = ANY($1) AND status = 'pending'");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = designs.Select(d => d.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Moves every design of the job out of pending/processing and its batch's counters with it, in one statement
    /// (one row per design from <c>unnest</c> of parallel arrays). Returns the ids this call moved; a design another
    /// run already moved is not in it and is not counted again.
    /// </summary>
    private async Task<HashSet<Guid>> RecordAsync(List<(DesignToProcess Design, DesignProcessingResult Result)> outcomes, CancellationToken cancellationToken)
    {
        foreach (var (_, result) in outcomes)
        {
            if (result.Status is not (DesignStatus.Processed or DesignStatus.Duplicate or DesignStatus.Failed))
            {
                throw new InvalidOperationException($"A design ends processed, duplicate or failed, not {result.Status}.");
            }
        }

        // Each design counts in exactly one of processed, duplicates and failed; the batch is complete when they
        // add up to its files. Under concurrent jobs the row locks serialise the increments and PostgreSQL re-reads
        // the latest row before applying "+ n", so no update is lost. A job's designs belong to one upload, but the
        // counts are grouped per batch all the same.
        await using var command = dataSource.CreateCommand("""
            WITH outcome AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::bigint[],
                                     $8::bigint[], $9::bigint[], $10::varchar[], $11::uuid[], $12::int[], $14::bigint[], $15::bytea[],
                                     $16::varchar[], $17::uuid[], $18::int[])
                    AS o(id, status, reason, width, height, phash, ahash, dhash, whash, thumbnail_sha256, duplicate_of_id, duplicate_distance,
                         artwork_key, artwork_signature, relation, related_design_id, relation_distance)),
            changed AS (
                UPDATE design_images AS d
                SET status = o.status, status_reason = o.reason,
                    width = coalesce(o.width, d.width), height = coalesce(o.height, d.height),
                    phash = coalesce(o.phash, d.phash), ahash = coalesce(o.ahash, d.ahash),
                    dhash = coalesce(o.dhash, d.dhash), whash = coalesce(o.whash, d.whash),
                    thumbnail_sha256 = coalesce(o.thumbnail_sha256, d.thumbnail_sha256),
                    duplicate_of_id = o.duplicate_of_id, duplicate_distance = o.duplicate_distance,
                    artwork_key = coalesce(o.artwork_key, d.artwork_key), artwork_signature = coalesce(o.artwork_signature, d.artwork_signature),
                    relation = o.relation, related_design_id = o.related_design_id, relation_distance = o.relation_distance,
                    processed_at = $13, updated_at = $13
                FROM outcome AS o
                WHERE d.id = o.id AND d.status IN ('pending', 'processing')
                RETURNING d.id, d.upload_batch_id, o.status),
            per_batch AS (
                SELECT upload_batch_id,
                       count(*) FILTER (WHERE status = 'processed')::int AS processed,
                       count(*) FILTER (WHERE status = 'duplicate')::int AS duplicates,
                       count(*) FILTER (WHERE status = 'failed')::int AS failed
                FROM changed
                WHERE upload_batch_id IS NOT NULL
                GROUP BY upload_batch_id),
            counted AS (
                UPDATE upload_batches AS b
                SET processed = b.processed + p.processed,
                    duplicates = b.duplicates + p.duplicates,
                    failed = b.failed + p.failed,
                    completed_at = CASE
                        WHEN b.completed_at IS NULL
                             AND b.processed + b.duplicates + b.failed + p.processed + p.duplicates + p.failed >= b.total_files THEN $13
                        ELSE b.completed_at END
                FROM per_batch AS p
                WHERE b.id = p.upload_batch_id
                RETURNING b.id)
            SELECT id FROM changed
            """);
        var results = outcomes.Select(o => o.Result).ToList();
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = outcomes.Select(o => o.Design.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = results.Select(r => r.Status.ToString().ToLowerInvariant()).ToArray() });
        command.Parameters.Add(Column(results.Select(r => r.Reason)));
        command.Parameters.Add(Column(results.Select(r => r.Width)));
        command.Parameters.Add(Column(results.Select(r => r.Height)));
        command.Parameters.Add(Column(results.Select(r => r.Phash)));
        command.Parameters.Add(Column(results.Select(r => r.Ahash)));
        command.Parameters.Add(Column(results.Select(r => r.Dhash)));
        command.Parameters.Add(Column(results.Select(r => r.Whash)));
        command.Parameters.Add(Column(results.Select(r => r.ThumbnailSha256)));
        command.Parameters.Add(Column(results.Select(r => r.DuplicateOfId)));
        command.Parameters.Add(Column(results.Select(r => r.DuplicateDistance)));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        command.Parameters.Add(Column(results.Select(r => r.ArtworkKey)));
        command.Parameters.Add(Column(results.Select(r => r.ArtworkSignature)));
        command.Parameters.Add(Column(results.Select(r => r.Relation)));
        command.Parameters.Add(Column(results.Select(r => r.RelatedDesignId)));
        command.Parameters.Add(Column(results.Select(r => r.RelationDistance)));
        var changed = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changed.Add(reader.GetGuid(0));
        }

        return changed;
    }

    // One column of the outcomes as a PostgreSQL array; null elements are NULLs.
    private static NpgsqlParameter<T[]> Column<T>(IEnumerable<T> values) => new() { TypedValue = values.ToArray() };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Design {DesignId} finished as {Status}")]
    private static partial void LogDesignFinished(ILogger logger, Guid designId, DesignStatus status);
}
