namespace CraftFlow.Data.Entities;

/// <summary>An uploaded design with its perceptual hashes.</summary>
/// <remarks>
/// Hashes are 64-bit values stored as bigint; <see cref="HashBits"/> converts to and from the unsigned form.
/// </remarks>
public sealed class DesignImage : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public Guid? TemplateId { get; set; }

    public Template? Template { get; set; }

    public Guid? UploadBatchId { get; set; }

    public UploadBatch? UploadBatch { get; set; }

    public required string Title { get; set; }

    public List<string> Tags { get; set; } = [];

    public required string OriginalFileName { get; set; }

    public required string ContentType { get; set; }

    public long FileSize { get; set; }

    /// <summary>Hex SHA-256 of the file's bytes, which is also its content address in the blob store.</summary>
    public required string Sha256 { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public long? Phash { get; set; }

    public long? Ahash { get; set; }

    public long? Dhash { get; set; }

    public long? Whash { get; set; }

    public string? ThumbnailSha256 { get; set; }

    public DesignStatus Status { get; set; } = DesignStatus.Pending;

    /// <summary>Why processing failed, in words a seller can read.</summary>
    public string? StatusReason { get; set; }

    public Guid? DuplicateOfId { get; set; }

    public DesignImage? DuplicateOf { get; set; }

    public int? DuplicateDistance { get; set; }

    /// <summary>The duplicate detector's orientation-free 64-bit key (CraftFlow.Imaging's <c>ArtworkSignature.Key</c>), scanned first.</summary>
    public long? ArtworkKey { get; set; }

    /// <summary>The rest of the detector's signature (outline hashes, layout, colours, aspect).</summary>
    public byte[]? ArtworkSignature { get; set; }

    /// <summary>
    /// How this design relates to an earlier one: <c>exact</c>, <c>duplicate</c>, <c>mirrored</c> (then also
    /// <see cref="DuplicateOfId"/>) or <c>colour_variant</c> (reported only); null for an original.
    /// </summary>
    public string? Relation { get; set; }

    public Guid? RelatedDesignId { get; set; }

    public DesignImage? RelatedDesign { get; set; }

    /// <summary>The detector's distance behind <see cref="Relation"/> (outline bits, 0–64; 0 for exact).</summary>
    public int? RelationDistance { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }

    public uint Version { get; set; }
}
