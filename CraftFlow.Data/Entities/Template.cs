namespace CraftFlow.Data.Entities;

/// <summary>A product photo with the print area a design is placed into.</summary>
public sealed class Template : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public required string Name { get; set; }

    /// <summary>Content address (hex SHA-256) of the template image in the blob store.</summary>
    public required string ImageSha256 { get; set; }

    public required string ContentType { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public int PrintAreaX { get; set; }

    public int PrintAreaY { get; set; }

    public int PrintAreaWidth { get; set; }

    public int PrintAreaHeight { get; set; }

    public double PrintAreaRotation { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's xmin, for optimistic concurrency on updates.</summary>
    public uint Version { get; set; }
}
