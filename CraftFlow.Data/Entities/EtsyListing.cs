namespace CraftFlow.Data.Entities;

public enum ListingStatus
{
    Pending,
    Publishing,
    Published,
    Failed,
}

/// <summary>A listing published, or being published, to a seller's Etsy shop.</summary>
public sealed class EtsyListing : ITimestamped
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public Guid ConnectionId { get; set; }

    public PlatformConnection? Connection { get; set; }

    public Guid? DesignImageId { get; set; }

    public DesignImage? DesignImage { get; set; }

    public Guid? MockupId { get; set; }

    public Mockup? Mockup { get; set; }

    /// <summary>Etsy's own listing id, once published.</summary>
    public long? ExternalListingId { get; set; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    public decimal Price { get; set; }

    public int Quantity { get; set; } = 1;

    public ListingStatus Status { get; set; } = ListingStatus.Pending;

    public string? ErrorMessage { get; set; }

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public uint Version { get; set; }
}
