using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;

namespace CraftFlow.Api.Designs;

/// <summary>
/// Turns stored files into pending designs, an upload batch and their image_processing jobs (one per
/// 10 designs), all in one transaction: a crash leaves either all of it or none (orphaned blobs are collected later).
/// </summary>
public sealed partial class DesignUploadService(
    CraftFlowDbContext db, JobQueue queue, TimeProvider timeProvider, ILogger<DesignUploadService> logger)
{
    public async Task<UploadAccepted> AcceptAsync(
        Guid userId, Guid? templateId, IReadOnlyList<UploadedFile> files, IReadOnlyList<RefusedFile> refused, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var batch = new UploadBatch { UserId = userId, TotalFiles = files.Count, Received = files.Count, CreatedAt = now };
        var designs = files.Select(file => new DesignImage
        {
            UserId = userId,
            TemplateId = templateId,
            UploadBatchId = batch.Id,
            Title = Path.GetFileNameWithoutExtension(file.FileName) is { Length: > 0 } title ? title[..Math.Min(title.Length, 300)] : "Untitled",
            OriginalFileName = file.FileName[..Math.Min(file.FileName.Length, 300)],
            ContentType = file.ContentType,
            FileSize = file.Blob.Length,
            Sha256 = file.Blob.Sha256,
            CreatedAt = now,
        }).ToList();
        var jobs = ProcessDesignBatchJob.Create(userId, batch.Id, designs.Select(d => d.Id));

        db.UploadBatches.Add(batch);
        db.DesignImages.AddRange(designs);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await queue.EnqueueManyAsync(db, jobs, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        LogAccepted(batch.Id, userId, files.Count, jobs.Count);
        return new UploadAccepted(batch.Id, designs.Select(d => d.Id).ToList(), jobs.Select(j => j.Id).ToList(), $"/api/uploads/{batch.Id}", refused);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload batch {BatchId} of user {UserId}: {Files} files, {Jobs} jobs queued")]
    private partial void LogAccepted(Guid batchId, Guid userId, int files, int jobs);
}
