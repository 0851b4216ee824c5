using CraftFlow.Data.Entities;

namespace CraftFlow.Worker.Designs;

/// <summary>
/// The image work for one uploaded design, in two steps: the analysis (decode, hashes, thumbnail), which the handler
/// runs for several designs of a job at once, and the judgement against the user's other designs (exact copies,
/// near duplicates), which it runs one design at a time in upload order, so an earlier upload is always the original.
/// The Worker owns this seam; the queue side can be built and tested without CraftFlow.Imaging.
/// </summary>
public interface IDesignProcessor
{
    /// <summary>
    /// A bad image ends in <see cref="AnalyzedDesign.Finished"/> with a <see cref="DesignStatus.Failed"/> result, not
    /// an exception. Throw only for what a retry can fix (storage briefly unreachable); the job is then retried.
    /// </summary>
    Task<AnalyzedDesign> AnalyzeAsync(DesignToProcess design, CancellationToken cancellationToken);
}

/// <summary>A design whose analysis is done; <see cref="JudgeAsync"/> gives its outcome.</summary>
public sealed class AnalyzedDesign(Func<CancellationToken, Task<DesignProcessingResult>> judge)
{
    /// <summary>A design whose outcome needs no judgement (it failed to decode).</summary>
    public static AnalyzedDesign Finished(DesignProcessingResult result) => new(_ => Task.FromResult(result));

    /// <summary>Called in upload order, one design of a job at a time. May throw like the analysis.</summary>
    public Task<DesignProcessingResult> JudgeAsync(CancellationToken cancellationToken) => judge(cancellationToken);
}

/// <summary>What the processor needs to find and judge a design's file.</summary>
/// <param name="EarlierCopyId">The user's earliest other active design with the same bytes, uploaded before this one.</param>
public sealed record DesignToProcess(
    Guid Id, Guid UserId, Guid? UploadBatchId, string Sha256, string ContentType, string OriginalFileName, long FileSize, Guid? EarlierCopyId);

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

    public long? ArtworkKey { get; init; }

    public byte[]? ArtworkSignature { get; init; }

    /// <summary>The relation's stored name (CraftFlow.Imaging's <c>DesignRelation</c>), or null for an original.</summary>
    public string? Relation { get; init; }

    public Guid? RelatedDesignId { get; init; }

    public int? RelationDistance { get; init; }

    public static DesignProcessingResult Failed(string reason) => new() { Status = DesignStatus.Failed, Reason = reason };
}
