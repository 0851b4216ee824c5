namespace CraftFlow.Data.Entities;

/// <summary>One multipart upload, with counters the workers advance as files are processed.</summary>
public sealed class UploadBatch
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public int TotalFiles { get; set; }

    public int Received { get; set; }

    public int Processed { get; set; }

    public int Duplicates { get; set; }

    public int Failed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}
