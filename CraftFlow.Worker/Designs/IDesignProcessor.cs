using CraftFlow.Data.Entities;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// The image work for one uploaded design (decode, hashes, thumbnail, near-duplicate check). The Worker owns this
/// seam; CraftFlow.Imaging provides the implementation, so the queue side can be built and tested without it.
/// </summary>
public interface IDesignProcessor
{
    /// <summary>
    /// Returns the design's outcome: a bad image is a <see cref="DesignStatus.Failed"/> result, not an exception.
    /// Throw only for what a retry can fix (storage briefly unreachable); the job is then retried.
    /// </summary>
    Task<DesignProcessingResult> ProcessAsync(DesignToProcess design, CancellationToken cancellationToken);
}

/// <summary>What the processor needs to find and judge a design's file.</summary>
public sealed record DesignToProcess(
    Guid Id, Guid UserId, Guid? UploadBatchId, string Sha256, string ContentType, string OriginalFileName, long FileSize);

/// <summary>A design's outcome: exactly one of processed, duplicate or failed.</summary>
public sealed record DesignProcessingResult
{
    public required DesignStatus Status { get; init; }

    public string? Reason { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public long? Phash { get; init; }

    public long? Ahash { get; init; }

    public long? Dhash { get; init; }

    public long? Whash { get; init; }

    public string? ThumbnailSha256 { get; init; }

    public Guid? DuplicateOfId { get; init; }

    public int? DuplicateDistance { get; init; }

    public static DesignProcessingResult Failed(string reason) => new() { Status = DesignStatus.Failed, Reason = reason };
}
