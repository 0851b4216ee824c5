using CraftFlow.Data.Jobs;
using CraftFlow.Data.Storage;
using Npgsql;

namespace CraftFlow.Worker.Handlers;

/// <summary>
/// Deletes stored files nothing refers to any more: uploads refused after they were stored, designs'
/// files once no design, thumbnail, template or mockup names them. Files younger than the grace period
/// are kept, since an upload in flight stores its files before it commits the rows that name them.
/// Idempotent and resumable: each batch re-checks references just before it deletes.
/// </summary>
public sealed partial class CollectOrphanedBlobsHandler(
    IBlobStore blobs, NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<CollectOrphanedBlobsHandler> logger) : IJobHandler
{
    public const string JobKind = "collect_orphaned_blobs";

    public static readonly TimeSpan GracePeriod = TimeSpan.FromHours(24);

    private const int BatchSize = 500;

    public string Kind => JobKind;

    public static NewJob CreateJob() => new(JobQueues.Maintenance, JobKind, "{}") { UniqueKey = $"{JobQueues.Maintenance}:{JobKind}", Priority = 20 };

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - GracePeriod;
        var batch = new List<string>(BatchSize);
        int examined = 0, deleted = 0;
        await foreach (var blob in blobs.ListAsync(cancellationToken))
        {
            if (blob.CreatedAt >= cutoff)
            {
                continue;
            }

            examined++;
            batch.Add(blob.Sha256);
            if (batch.Count == BatchSize)
            {
                deleted += await DeleteUnreferencedAsync(batch, cancellationToken);
                batch.Clear();
            }
        }

        deleted += await DeleteUnreferencedAsync(batch, cancellationToken);
        LogCollected(logger, examined, deleted);
    }

    private async Task<int> DeleteUnreferencedAsync(List<string> candidates, CancellationToken cancellationToken)
    {
        if (candidates.Count == 0)
        {
            return 0;
        }

        // Every column that names a blob, each with its own index.
        await using var command = dataSource.CreateCommand("""
            SELECT c.sha FROM unnest($1::text[]) AS c(sha)
            WHERE NOT EXISTS (SELECT 1 FROM design_images d WHERE d.sha256 = c.sha)
              AND NOT EXISTS (SELECT 1 FROM design_images d WHERE d.thumbnail_sha256 = c.sha)
              AND NOT EXISTS (SELECT 1 FROM templates t WHERE t.image_sha256 = c.sha)
              AND NOT EXISTS (SELECT 1 FROM mockups m WHERE m.image_sha256 = c.sha)
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = candidates.ToArray() });
        var orphans = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                orphans.Add(reader.GetString(0));
            }
        }

        foreach (var orphan in orphans)
        {
            await blobs.DeleteAsync(orphan, cancellationToken);
        }

        return orphans.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob collection: {Examined} files past the grace period examined, {Deleted} orphans deleted")]
    private static partial void LogCollected(ILogger logger, int examined, int deleted);
}
