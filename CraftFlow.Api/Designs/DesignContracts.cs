using CraftFlow.Data.Entities;

namespace CraftFlow.Api.Designs;

public sealed record DesignResponse(
    Guid Id,
    string Title,
    IReadOnlyList<string> Tags,
    Guid? TemplateId,
    Guid? UploadBatchId,
    string OriginalFileName,
    string ContentType,
    long FileSize,
    string Sha256,
    int? Width,
    int? Height,
    DesignHashes? Hashes,
    string Status,
    string? StatusReason,
    Guid? DuplicateOfId,
    int? DuplicateDistance,
    string? Relation,
    Guid? RelatedDesignId,
    int? RelationDistance,
    bool HasThumbnail,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static DesignResponse From(DesignImage d) => new(
        d.Id, d.Title, d.Tags, d.TemplateId, d.UploadBatchId, d.OriginalFileName, d.ContentType, d.FileSize, d.Sha256,
        d.Width, d.Height, DesignHashes.From(d), d.Status.ToString().ToLowerInvariant(), d.StatusReason, d.DuplicateOfId,
        d.DuplicateDistance, d.Relation, d.RelatedDesignId, d.RelationDistance, d.ThumbnailSha256 is not null, d.CreatedAt, d.UpdatedAt);
}

/// <summary>Hashes in imagehash's 16-digit hex form, comparable with the ones the previous backend stored.</summary>
public sealed record DesignHashes(string Phash, string Ahash, string Dhash, string Whash)
{
    public static DesignHashes? From(DesignImage d)
        => d is { Phash: { } p, Ahash: { } a, Dhash: { } dh, Whash: { } w }
            ? new(Hex(p), Hex(a), Hex(dh), Hex(w))
            : null;

    private static string Hex(long stored) => HashBits.FromStored(stored).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record DesignPage(IReadOnlyList<DesignResponse> Items, string? NextCursor);

/// <summary>The 202 body: the batch to poll, and each file that was refused (not stored, not counted) with its reason.</summary>
public sealed record UploadAccepted(
    Guid BatchId, IReadOnlyList<Guid> DesignIds, IReadOnlyList<Guid> JobIds, string StatusUrl,
    IReadOnlyList<CraftFlow.Api.Infrastructure.RefusedFile> RefusedFiles);

public sealed record UploadBatchResponse(
    Guid Id, int TotalFiles, int Received, int Processed, int Duplicates, int Failed, int Pending, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record UpdateDesignRequest(string? Title, IReadOnlyList<string>? Tags, Guid? TemplateId, bool? ClearTemplate);

/// <summary>
/// A design the query relates to: <c>exact</c>, <c>duplicate</c>, <c>mirrored</c> or <c>colour_variant</c> (DESIGN.md §5a),
/// the detector's distance (outline bits, 0–64), and the imagehash distances for comparison with the seed system.
/// </summary>
public sealed record DuplicateMatch(
    Guid DesignId, string Title, string Relation, int Distance, bool ExactBytes, int PhashDistance, int DhashDistance, int AhashDistance, int WhashDistance);

public sealed record DuplicateCheckResponse(string FileName, string Sha256, DesignHashes Hashes, bool IsDuplicate, IReadOnlyList<DuplicateMatch> Matches);
