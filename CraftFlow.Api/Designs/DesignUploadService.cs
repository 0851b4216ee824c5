using System.Text.Json;
using CraftFlow.Api.Infrastructure;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Data.Jobs;
using Microsoft.Extensions.Options;

namespace CraftFlow.Api.Designs;

/// <summary>
/// Turns stored files into pending designs, an upload batch and their image_processing jobs, all in
/// one transaction: a crash leaves either all of it or none (orphaned blobs are collected later).
/// </summary>
public sealed partial class DesignUploadService(
    CraftFlowDbContext db, IOptions<UploadOptions> options, TimeProvider timeProvider, ILogger<DesignUploadService> logger)
{
    public const string ProcessDesignsKind = "process_designs";

    public async Task<UploadAccepted> AcceptAsync(Guid userId, Guid? templateId, IReadOnlyList<UploadedFile> files, CancellationToken cancellationToken)
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
        var jobs = designs.Chunk(options.Value.DesignsPerJob).Select(chunk => new Job
        {
            Queue = JobQueueNames.ImageProcessing,
            Kind = ProcessDesignsKind,
            UserId = userId,
            Payload = JsonSerializer.Serialize(new ProcessDesignsPayload(batch.Id, chunk.Select(d => d.Id).ToArray())),
            RunAt = now,
            CreatedAt = now,
        }).ToList();

        db.UploadBatches.Add(batch);
        db.DesignImages.AddRange(designs);
        db.Jobs.AddRange(jobs);
        await db.SaveChangesAsync(cancellationToken);

        LogAccepted(batch.Id, userId, files.Count, jobs.Count);
        return new UploadAccepted(batch.Id, designs.Select(d => d.Id).ToList(), jobs.Select(j => j.Id).ToList(), $"/api/uploads/{batch.Id}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload batch {BatchId} of user {UserId}: {Files} files, {Jobs} jobs queued")]
    private partial void LogAccepted(Guid batchId, Guid userId, int files, int jobs);
}

public sealed record ProcessDesignsPayload(Guid BatchId, Guid[] DesignIds);
