using CraftFlow.Caching;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// Processes up to <see cref="ProcessDesignBatchJob.BatchSize"/> uploaded designs per job and advances their upload batch's counters.
/// Idempotent: a design is processed only while pending or processing, and its batch counter moves in the same
/// statement as its status leaves pending/processing, so a re-run (after a crash, a retry, or two workers racing on
/// a rescued job) never counts a design twice, and concurrent jobs of one batch add up exactly.
/// </summary>
public sealed partial class ProcessDesignBatchHandler(
    NpgsqlDataSource dataSource, IDesignProcessor processor, CacheInvalidation invalidation, TimeProvider timeProvider,
    ILogger<ProcessDesignBatchHandler> logger)
    : IJobHandler
{
    public string Kind => ProcessDesignBatchJob.Kind;

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var payload = ProcessDesignBatchJob.Read(job.Payload);
        var designs = await LoadUnfinishedAsync(payload.DesignIds, cancellationToken);
        var lastAttempt = job.Attempt >= job.MaxAttempts;

        // The API's cached reads of these designs and of the gallery show the old status until this evicts them,
        // once per job, when the job ends (also half-way through).
        await using var changed = invalidation.TrackDesignChanges();
        foreach (var design in designs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            changed.Add(design.UserId, design.Id);
            await MarkProcessingAsync(design.Id, cancellationToken);
            DesignProcessingResult result;
            try
            {
                result = await processor.ProcessAsync(design, cancellationToken);
            }
            catch (Exception ex) when (lastAttempt && ex is not OperationCanceledException)
            {
                // No retry is coming: fail this design so its batch can finish, and go on with the others.
                result = DesignProcessingResult.Failed($"Processing failed: {ex.Message}");
            }

            if (await RecordAsync(design.Id, result, cancellationToken))
            {
                LogDesignFinished(logger, design.Id, result.Status);
            }
        }
    }

    private async Task<List<DesignToProcess>> LoadUnfinishedAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, user_id, upload_batch_id, sha256, content_type, original_file_name, file_size
            FROM design_images
            WHERE id = ANY($1) AND status IN ('pending', 'processing')
            ORDER BY array_position($1, id)
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
                reader.GetInt64(6)));
        }

        return designs;
    }

    private async Task MarkProcessingAsync(Guid designId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE design_images SET status = 'processing', updated_at = $2 WHERE id = $1 AND status = 'pending'");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = designId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Moves the design out of pending/processing and its batch's counter by one, in one statement. True when this
    /// call made the transition; false when another run already had.
    /// </summary>
    private async Task<bool> RecordAsync(Guid designId, DesignProcessingResult result, CancellationToken cancellationToken)
    {
        if (result.Status is not (DesignStatus.Processed or DesignStatus.Duplicate or DesignStatus.Failed))
        {
            throw new InvalidOperationException($"A design ends processed, duplicate or failed, not {result.Status}.");
        }

        // Each design counts in exactly one of processed, duplicates and failed; the batch is complete when they
        // add up to its files. Under concurrent jobs the row lock serialises the increments and PostgreSQL
        // re-reads the latest row before applying "+ 1", so no update is lost.
        await using var command = dataSource.CreateCommand("""
            WITH changed AS (
                UPDATE design_images
                SET status = $2, status_reason = $3,
                    width = coalesce($4, width), height = coalesce($5, height),
                    phash = coalesce($6, phash), ahash = coalesce($7, ahash), dhash = coalesce($8, dhash), whash = coalesce($9, whash),
                    thumbnail_sha256 = coalesce($10, thumbnail_sha256),
                    duplicate_of_id = $11, duplicate_distance = $12,
                    processed_at = $13, updated_at = $13
                WHERE id = $1 AND status IN ('pending', 'processing')
                RETURNING upload_batch_id),
            counted AS (
                UPDATE upload_batches AS b
                SET processed = b.processed + ($2 = 'processed')::int,
                    duplicates = b.duplicates + ($2 = 'duplicate')::int,
                    failed = b.failed + ($2 = 'failed')::int,
                    completed_at = CASE
                        WHEN b.completed_at IS NULL AND b.processed + b.duplicates + b.failed + 1 >= b.total_files THEN $13
                        ELSE b.completed_at END
                FROM changed
                WHERE b.id = changed.upload_batch_id
                RETURNING b.id)
            SELECT count(*) FROM changed
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = designId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = result.Status.ToString().ToLowerInvariant() });
        command.Parameters.Add(Nullable(result.Reason, NpgsqlDbType.Text));
        command.Parameters.Add(Nullable(result.Width, NpgsqlDbType.Integer));
        command.Parameters.Add(Nullable(result.Height, NpgsqlDbType.Integer));
        command.Parameters.Add(Nullable(result.Phash, NpgsqlDbType.Bigint));
        command.Parameters.Add(Nullable(result.Ahash, NpgsqlDbType.Bigint));
        command.Parameters.Add(Nullable(result.Dhash, NpgsqlDbType.Bigint));
        command.Parameters.Add(Nullable(result.Whash, NpgsqlDbType.Bigint));
        command.Parameters.Add(Nullable(result.ThumbnailSha256, NpgsqlDbType.Varchar));
        command.Parameters.Add(Nullable(result.DuplicateOfId, NpgsqlDbType.Uuid));
        command.Parameters.Add(Nullable(result.DuplicateDistance, NpgsqlDbType.Integer));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = timeProvider.GetUtcNow() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Design {DesignId} finished as {Status}")]
    private static partial void LogDesignFinished(ILogger logger, Guid designId, DesignStatus status);
}
