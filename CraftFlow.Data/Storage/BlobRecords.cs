namespace CraftFlow.Data.Storage;

/// <summary>A blob of the postgres storage provider; its bytes are in <see cref="BlobChunk"/> rows.</summary>
public sealed class BlobRecord
{
    public required string Sha256 { get; set; }

    public long Length { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class BlobChunk
{
    public required string Sha256 { get; set; }

    public int Sequence { get; set; }

    public required byte[] Data { get; set; }
}
